using System.Collections.Concurrent;
using AlertHub.Client;
using AlertHub.Testing;
using CsCheck;
using Microsoft.AspNetCore.SignalR.Client;

namespace AlertHub.Tests.Security;

/// <summary>
/// Random interleavings of raise, acknowledge, update, resolve, cancel, disconnect and reconnect:
/// afterwards every client's view equals the database, no alert is lost, and no connection is told
/// about the same alert as new twice.
/// </summary>
public sealed class InterleavingPropertyTests
{
    private enum Kind { Raise, Acknowledge, Update, Resolve, Cancel, Disconnect, Reconnect }

    private sealed record Op(Kind Kind, int Partner, int Alert, AckResponse Response);

    private static readonly Gen<Op> OpGen =
        from kind in Gen.Enum<Kind>()
        from partner in Gen.Int[0, 1]
        from alert in Gen.Int[0, 5]
        from response in Gen.Enum<AckResponse>()
        select new Op(kind, partner, alert, response);

    [Fact]
    public async Task EveryClientsFinalView_EqualsTheDatabase_NothingLostOrDoubled()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Security:RaisePerMinute"] = "10000",
            ["Security:HubInvocationsPerSecond"] = "1000",
            ["Alerts:SmsFallbackAfter"] = "01:00:00",
            ["Alerts:EscalateAfter"] = "1.00:00:00",
        });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var partnerClients = new[] { await host.LoginAsync(TestHost.Police), await host.LoginAsync(TestHost.YouthWork) };
        var run = 0;

        await OpGen.Array[4, 14].SampleAsync(async ops =>
        {
            run++;
            var partners = partnerClients.Select(c => new PartnerView(c)).ToArray();
            foreach (var partner in partners)
            {
                await partner.ConnectAsync();
            }
            var raised = new List<AlertDto>();
            foreach (var op in ops)
            {
                var partner = partners[op.Partner];
                var target = raised.Count == 0 ? null : raised[op.Alert % raised.Count];
                try
                {
                    switch (op.Kind)
                    {
                        case Kind.Raise:
                            raised.Add(await coordinator.RaiseAsync(idempotencyKey: $"run{run}-{raised.Count}"));
                            break;
                        case Kind.Acknowledge when target is not null:
                            await partner.Client.AcknowledgeAsync(target.Id, op.Response);
                            break;
                        case Kind.Update when target is not null:
                            await partner.Client.PostUpdateAsync(target.Id, $"update {op.Response}");
                            break;
                        case Kind.Resolve when target is not null:
                            await coordinator.ResolveAsync(target.Id, "opgelost");
                            break;
                        case Kind.Cancel when target is not null:
                            await coordinator.CancelAsync(target.Id);
                            break;
                        case Kind.Disconnect:
                            await partner.DisconnectAsync();
                            break;
                        case Kind.Reconnect:
                            await partner.ConnectAsync();
                            break;
                    }
                }
                catch (AlertHubException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
                {
                    // acknowledging or updating a closed alert is refused by design
                }
            }

            foreach (var partner in partners)
            {
                await partner.ConnectAsync();
                var truth = (await partner.Client.ListAlertsAsync(status: null)).Where(a => raised.Any(r => r.Id == a.Id))
                    .ToDictionary(a => a.Id);
                await Eventually.HoldsAsync(() => Task.FromResult(partner.Matches(truth)), ok => ok, TimeSpan.FromSeconds(10),
                    $"the client's view equals the database after {string.Join(",", ops.Select(o => o.Kind))}");
                Assert.Equal(truth.Keys.Order(), partner.Known(raised.Select(r => r.Id)).Order());
                Assert.True(partner.NoDoubleRaise, "an alert was announced twice on one connection");
                await partner.DisposeAsync();
            }
        }, iter: 12, threads: 1);
    }

    /// <summary>A client as a real one behaves: dedupe by id, catch up after every reconnect.</summary>
    private sealed class PartnerView(AlertHubClient client) : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<Guid, AlertDto> _view = new();
        private readonly ConcurrentDictionary<(int Session, Guid Id), int> _raisedPerSession = new();
        private HubConnection? _connection;
        private int _session;
        private long _lastSequence;

        public AlertHubClient Client => client;

        public bool NoDoubleRaise => _raisedPerSession.Values.All(n => n == 1);

        public async Task ConnectAsync()
        {
            if (_connection is { State: HubConnectionState.Connected })
            {
                return;
            }
            await DisconnectAsync();
            var session = Interlocked.Increment(ref _session);
            _connection = client.CreateHubConnection();
            _connection.On<AlertDto>(HubNames.AlertRaised, a =>
            {
                _raisedPerSession.AddOrUpdate((session, a.Id), 1, (_, n) => n + 1);
                Apply(a);
            });
            _connection.On<AlertDto>(HubNames.AlertUpdated, Apply);
            await _connection.StartAsync();
            foreach (var missed in await _connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, Interlocked.Read(ref _lastSequence)))
            {
                Apply(missed);
            }
            // GetAlertsSince only returns newer alerts: re-read the open ones this client holds (see README).
            foreach (var open in _view.Values.Where(a => a.Status == AlertStatus.Open).Select(a => a.Id).ToList())
            {
                Apply(await client.GetAlertAsync(open));
            }
        }

        public async Task DisconnectAsync()
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
                _connection = null;
            }
        }

        public bool Matches(IReadOnlyDictionary<Guid, AlertDto> truth) =>
            truth.Values.All(t => _view.TryGetValue(t.Id, out var mine) && Same(mine, t));

        public IEnumerable<Guid> Known(IEnumerable<Guid> ids) => ids.Where(_view.ContainsKey);

        private void Apply(AlertDto alert)
        {
            _view[alert.Id] = alert;
            long seen;
            do
            {
                seen = Interlocked.Read(ref _lastSequence);
            }
            while (alert.Sequence > seen && Interlocked.CompareExchange(ref _lastSequence, alert.Sequence, seen) != seen);
        }

        private static bool Same(AlertDto a, AlertDto b) =>
            a.Status == b.Status && a.Updates.Count == b.Updates.Count
            && a.Recipients.OrderBy(r => r.PersonId).Select(r => (r.PersonId, r.Response))
                .SequenceEqual(b.Recipients.OrderBy(r => r.PersonId).Select(r => (r.PersonId, r.Response)));

        public ValueTask DisposeAsync() => new(DisconnectAsync());
    }
}
