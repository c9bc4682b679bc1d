using System.Collections.Concurrent;
using AlertHub.Client;
using AlertClient.Tests.Support;

using AlertHub.Testing;

namespace AlertClient.Tests;

public sealed class SubscriptionTests
{
    [Fact]
    public async Task Subscription_AfterServerRestart_ResumesAndDeliversAlertsRaisedMeanwhile_EachOnce()
    {
        var directory = Directory.CreateTempSubdirectory("alertclient-restart-").FullName;
        var port = FreePort.Next();
        var raised = new ConcurrentQueue<AlertDto>();
        var states = new ConcurrentQueue<SubscriptionState>();
        try
        {
            AlertDto before;
            AlertSubscription subscription;
            AlertHubClient police;
            await using (var host = await TestHost.StartAsync(directory, port: port))
            {
                police = await host.LoginAsync(TestHost.Police);
                subscription = police.Subscribe(options: new AlertSubscriptionOptions
                {
                    InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
                    MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
                });
                subscription.AlertRaised += alert => { raised.Enqueue(alert); return Task.CompletedTask; };
                subscription.StatusChanged += status => states.Enqueue(status.State);
                await subscription.StartAsync();

                var coordinator = await host.LoginAsync(TestHost.Coordinator);
                before = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "voor de herstart"));
                await Eventually.TrueAsync(() => raised.Any(a => a.Id == before.Id), "the first alert pushed live");
            }
            await Eventually.TrueAsync(() => states.Contains(SubscriptionState.Reconnecting), "the subscription noticing the server is gone");

            // Alerts raised while the subscriber cannot connect: on the same database, through a node on another port.
            List<AlertDto> meanwhile;
            await using (var other = await TestHost.StartAsync(directory, port: FreePort.Next()))
            {
                var coordinator = await other.LoginAsync(TestHost.Coordinator);
                meanwhile = [await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "tijdens de storing 1")),
                    await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "tijdens de storing 2"))];
            }

            await using (var restarted = await TestHost.StartAsync(directory, port: port))
            {
                await subscription.WaitUntilConnectedAsync().WaitAsync(TimeSpan.FromSeconds(20));
                var coordinator = await restarted.LoginAsync(TestHost.Coordinator);
                var after = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "na de herstart"));
                await Eventually.TrueAsync(() => raised.Any(a => a.Id == after.Id), "the alert raised after the restart");

                // Each exactly once; under load a live push may overtake the catch-up, so order is not asserted.
                Assert.Equal(new[] { before.Id, meanwhile[0].Id, meanwhile[1].Id, after.Id }.Order(), raised.Select(a => a.Id).Order());
                // Catch-up also confirms receipt, so the partner is not sent an SMS for alerts it did get.
                await Eventually.TrueAsync(async () =>
                {
                    var seen = await coordinator.GetAlertAsync(meanwhile[1].Id);
                    return seen.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Received;
                }, "the police receipt for an alert delivered by catch-up");
                await subscription.DisposeAsync();
            }
            Assert.Equal(4, raised.Count);
        }
        finally
        {
            TestHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Subscription_AlertCancelledWhileAway_ArrivesAsAnUpdateAfterReconnecting()
    {
        var directory = Directory.CreateTempSubdirectory("alertclient-cancel-").FullName;
        var port = FreePort.Next();
        var updated = new ConcurrentQueue<AlertDto>();
        try
        {
            AlertDto alert;
            AlertSubscription subscription;
            await using (var host = await TestHost.StartAsync(directory, port: port))
            {
                var police = await host.LoginAsync(TestHost.Police);
                subscription = police.Subscribe(options: new AlertSubscriptionOptions
                {
                    InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
                    MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
                });
                var raised = new ConcurrentQueue<AlertDto>();
                subscription.AlertRaised += a => { raised.Enqueue(a); return Task.CompletedTask; };
                subscription.AlertUpdated += a => { updated.Enqueue(a); return Task.CompletedTask; };
                await subscription.StartAsync();
                alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
                await Eventually.TrueAsync(() => raised.Any(a => a.Id == alert.Id), "the alert pushed live");
            }

            // Cancelled through another node while this subscriber is cut off: no push can reach it.
            await using (var other = await TestHost.StartAsync(directory, port: FreePort.Next()))
            {
                await (await other.LoginAsync(TestHost.Coordinator)).CancelAsync(alert.Id);
            }

            await using (var restarted = await TestHost.StartAsync(directory, port: port))
            {
                await Eventually.TrueAsync(() => updated.Any(a => a.Id == alert.Id && a.Status == AlertStatus.Cancelled),
                    "the cancellation after reconnecting");
                await subscription.DisposeAsync();
            }
        }
        finally
        {
            TestHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Subscription_UpdatesOfAKnownAlert_ArriveAsUpdatesNotAsNewAlerts()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.LoginAsync(TestHost.Police);
        var raised = new ConcurrentQueue<AlertDto>();
        var updated = new ConcurrentQueue<AlertDto>();
        await using var subscription = police.Subscribe();
        subscription.AlertRaised += a => { raised.Enqueue(a); return Task.CompletedTask; };
        subscription.AlertUpdated += a => { updated.Enqueue(a); return Task.CompletedTask; };
        await subscription.StartAsync();

        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        await Eventually.TrueAsync(() => !raised.IsEmpty, "the alert");
        await coordinator.PostUpdateAsync(alert.Id, "Politie is onderweg");
        await Eventually.TrueAsync(() => updated.Any(a => a.Updates.Count == 1), "the update");

        Assert.Single(raised);
        Assert.All(updated, a => Assert.Equal(alert.Id, a.Id));
    }

    // No SMS fallback or escalation while a test runs: every version then comes from what the test does.
    private static readonly Dictionary<string, string?> QuietTimers = TestHost.QuietTimers();

    [Fact]
    public async Task Subscription_RepeatedAndOlderPushes_AreDropped_EachVersionReportedOnceAndInOrder()
    {
        var replay = new PushReplay();
        await using var host = await TestHost.StartAsync(settings: QuietTimers, services: replay.Install);
        var teamLead = new AlertLog();
        var police = new AlertLog();
        await using var teamLeadSubscription = teamLead.Follow(await host.LoginAsync(TestHost.TeamLead));
        await using var policeSubscription = police.Follow(await host.LoginAsync(TestHost.Police));
        await teamLeadSubscription.StartAsync();
        await policeSubscription.StartAsync();

        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "dubbel en te laat"));
        await Eventually.TrueAsync(() => police.Last(alert.Id) is not null && teamLead.Last(alert.Id) is not null, "the alert on both");
        await (await host.LoginAsync(TestHost.YouthWork)).AcknowledgeAsync(alert.Id, AckResponse.OnMyWay);
        await coordinator.PostUpdateAsync(alert.Id, "Groep loopt richting station");
        var resolved = await coordinator.ResolveAsync(alert.Id, "Groep uiteengegaan");

        await Eventually.TrueAsync(() => police.Last(alert.Id)?.Status == AlertStatus.Resolved
            && teamLead.Last(alert.Id)?.Status == AlertStatus.Resolved, "the resolution on both");
        // The team lead follows every change (receipts included): it ends on the hub's own last version.
        var final = await coordinator.GetAlertAsync(alert.Id);
        await Eventually.TrueAsync(() => teamLead.Last(alert.Id)?.Version == final.Version, "the team lead on the last version");
        // Let the replayed pushes of the resolution arrive too, then check nothing went back.
        await Eventually.TrueAsync(() => replay.Stale >= 3 && teamLeadSubscription.Dropped > 0 && policeSubscription.Dropped > 0,
            "repeated and older pushes arriving");
        await Task.Delay(300);

        Assert.True(replay.Repeated >= 4, $"only {replay.Repeated} pushes were repeated");
        foreach (var (name, log) in new[] { ("team lead", teamLead), ("police", police) })
        {
            var stats = log.Stats(alert.Id, expectedVersion: name == "team lead" ? final.Version : resolved.Version);
            Assert.True(stats.Duplicated == 0 && stats.Lost == 0, $"{name}: {stats}");
            var raised = Assert.Single(log.Events, e => e.Raised);
            Assert.Equal(1, raised.Alert.Version);
            Assert.Equal(AlertStatus.Resolved, log.Last(alert.Id)!.Status);
            Assert.Contains(log.Last(alert.Id)!.Updates, u => u.Text == "Groep loopt richting station");
            Assert.Contains(log.Last(alert.Id)!.Recipients, r => r.Response == AckResponse.OnMyWay);
        }
    }

    [Fact]
    public async Task Subscription_AlertsAnsweredUpdatedResolvedCancelledWhileDisconnected_ShowTheirFinalStateAfterReconnecting_NoneLost()
    {
        var directory = Directory.CreateTempSubdirectory("alertclient-away-").FullName;
        var port = FreePort.Next();
        var teamLead = new AlertLog();
        var police = new AlertLog();
        AlertSubscription? teamLeadSubscription = null;
        AlertSubscription? policeSubscription = null;
        var reconnecting = new ConcurrentDictionary<string, bool>();
        try
        {
            List<AlertDto> before;
            await using (var host = await TestHost.StartAsync(directory, settings: QuietTimers, port: port))
            {
                teamLeadSubscription = teamLead.Follow(await host.LoginAsync(TestHost.TeamLead));
                policeSubscription = police.Follow(await host.LoginAsync(TestHost.Police));
                teamLeadSubscription.StatusChanged += s => { if (s.State == SubscriptionState.Reconnecting) { reconnecting["team lead"] = true; } };
                policeSubscription.StatusChanged += s => { if (s.State == SubscriptionState.Reconnecting) { reconnecting["police"] = true; } };
                await teamLeadSubscription.StartAsync();
                await policeSubscription.StartAsync();
                var coordinator = await host.LoginAsync(TestHost.Coordinator);
                before = [];
                foreach (var note in new[] { "wordt beantwoord", "krijgt een update", "wordt afgehandeld", "wordt ingetrokken", "blijft zo" })
                {
                    before.Add(await coordinator.RaiseAsync(new RaiseAlertRequest(Note: note)));
                }
                await Eventually.TrueAsync(() => before.All(a => teamLead.Last(a.Id) is not null && police.Last(a.Id) is not null),
                    "every alert live on both");
            }
            await Eventually.TrueAsync(() => reconnecting.Count == 2, "both subscriptions noticing the hub is gone");

            // Changed through another node of the same database while neither subscriber can reach a hub.
            AlertDto raisedMeanwhile;
            await using (var other = await TestHost.StartAsync(directory, settings: QuietTimers, port: FreePort.Next()))
            {
                var coordinator = await other.LoginAsync(TestHost.Coordinator);
                await (await other.LoginAsync(TestHost.YouthWork)).AcknowledgeAsync(before[0].Id, AckResponse.OnScene);
                await coordinator.PostUpdateAsync(before[1].Id, "Politie is gebeld");
                await coordinator.ResolveAsync(before[2].Id, "Rustig verlopen");
                await coordinator.CancelAsync(before[3].Id);
                raisedMeanwhile = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "tijdens de storing"));
            }

            await using (var restarted = await TestHost.StartAsync(directory, settings: QuietTimers, port: port))
            {
                await teamLeadSubscription.WaitUntilConnectedAsync().WaitAsync(TimeSpan.FromSeconds(20));
                await policeSubscription.WaitUntilConnectedAsync().WaitAsync(TimeSpan.FromSeconds(20));
                var coordinator = await restarted.LoginAsync(TestHost.Coordinator);
                List<AlertDto> all = [.. before, raisedMeanwhile];
                // The police subscription confirms the new alert's receipt; wait for the hub to have it, then read the final states.
                await Eventually.TrueAsync(async () => (await coordinator.GetAlertAsync(raisedMeanwhile.Id)).Recipients
                    .Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Received, "the receipt of the alert raised meanwhile");
                var final = new Dictionary<Guid, AlertDto>();
                foreach (var alert in all)
                {
                    final[alert.Id] = await coordinator.GetAlertAsync(alert.Id);
                }
                // The team lead follows every change; the police subscription is not told of receipts, so it may stay a
                // receipt behind, but every answer, update and decision reaches it.
                await Eventually.TrueAsync(() => all.All(a => teamLead.Last(a.Id)?.Version == final[a.Id].Version
                    && police.Last(a.Id) is { } p && SameNews(p, final[a.Id])), "every final state on both", TimeSpan.FromSeconds(20));

                var report = new List<string>();
                var lost = 0;
                var duplicated = 0;
                foreach (var (name, log) in new[] { ("team lead", teamLead), ("police", police) })
                {
                    foreach (var alert in all)
                    {
                        var last = log.Last(alert.Id)!;
                        var stats = log.Stats(alert.Id, expectedVersion: name == "team lead" ? final[alert.Id].Version : last.Version);
                        var missing = stats.Lost + (SameNews(last, final[alert.Id]) ? 0 : 1);
                        lost += missing;
                        duplicated += stats.Duplicated;
                        report.Add($"{name} {alert.Note}: {stats}, missing news {missing}");
                    }
                }
                Assert.True(lost == 0 && duplicated == 0, string.Join(Environment.NewLine, report));

                Assert.Contains(teamLead.Last(before[0].Id)!.Recipients, r => r.Response == AckResponse.OnScene);
                Assert.Equal("Politie is gebeld", Assert.Single(police.Last(before[1].Id)!.Updates).Text);
                Assert.Equal(AlertStatus.Resolved, police.Last(before[2].Id)!.Status);
                Assert.Equal(AlertStatus.Cancelled, police.Last(before[3].Id)!.Status);
                Assert.Equal(AlertStatus.Open, police.Last(before[4].Id)!.Status);
                // Each alert announced once: the five live ones at the start, the one raised meanwhile after reconnecting.
                foreach (var log in new[] { teamLead, police })
                {
                    Assert.Equal(all.Select(a => a.Id).Order(), log.Events.Where(e => e.Raised).Select(e => e.Alert.Id).Order());
                }
            }
        }
        finally
        {
            if (teamLeadSubscription is not null)
            {
                await teamLeadSubscription.DisposeAsync();
            }
            if (policeSubscription is not null)
            {
                await policeSubscription.DisposeAsync();
            }
            TestHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Subscription_StartedFromACursor_ReportsOnlyWhatChangedAfterIt()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var old = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "al bekend"));
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        var first = await teamLead.GetChangesAsync();
        Assert.Contains(first.Alerts, a => a.Id == old.Id);
        Assert.False(first.More);
        var next = await teamLead.GetChangesAsync(first.Cursor);
        Assert.Empty(next.Alerts);

        var resolved = await coordinator.ResolveAsync(old.Id, "Niets aan de hand");
        var log = new AlertLog();
        await using var subscription = log.Follow(teamLead, new AlertSubscriptionOptions { Cursor = first.Cursor });
        await subscription.StartAsync();

        var only = Assert.Single(log.Events);
        Assert.False(only.Raised);
        Assert.Equal(resolved.Version, only.Alert.Version);
        Assert.Equal(AlertStatus.Resolved, only.Alert.Status);
        Assert.NotEqual(first.Cursor, subscription.Cursor);
    }

    /// <summary>Same status, answers and updates: what a partner must not miss (receipts it is not told of).</summary>
    private static bool SameNews(AlertDto seen, AlertDto final) =>
        seen.Status == final.Status
        && seen.Updates.Count == final.Updates.Count
        && seen.Recipients.Count(r => r.Response is not null) == final.Recipients.Count(r => r.Response is not null);

    /// <summary>Everything a subscription reported, in order, with per-alert counts.</summary>
    private sealed class AlertLog
    {
        private readonly ConcurrentQueue<(bool Raised, AlertDto Alert)> _events = new();

        public IReadOnlyList<(bool Raised, AlertDto Alert)> Events => [.. _events];

        public AlertSubscription Follow(AlertHubClient client, AlertSubscriptionOptions? options = null)
        {
            options ??= new AlertSubscriptionOptions();
            options.InitialReconnectDelay = TimeSpan.FromMilliseconds(100);
            options.MaxReconnectDelay = TimeSpan.FromMilliseconds(500);
            var subscription = client.Subscribe(options: options);
            subscription.AlertRaised += a => { _events.Enqueue((true, a)); return Task.CompletedTask; };
            subscription.AlertUpdated += a => { _events.Enqueue((false, a)); return Task.CompletedTask; };
            return subscription;
        }

        public AlertDto? Last(Guid id) => _events.LastOrDefault(e => e.Alert.Id == id).Alert;

        /// <summary>
        /// Received: events about the alert. Duplicated: events whose version was not above the one before (a repeat or
        /// a step back). Lost: 1 when the last version reported is not <paramref name="expectedVersion"/>.
        /// </summary>
        public AlertStats Stats(Guid id, long expectedVersion)
        {
            var versions = _events.Where(e => e.Alert.Id == id).Select(e => e.Alert.Version).ToList();
            var duplicated = versions.Zip(versions.Skip(1)).Count(p => p.Second <= p.First);
            var lost = versions.Count > 0 && versions[^1] == expectedVersion ? 0 : 1;
            return new AlertStats(expectedVersion, versions.Count, duplicated, lost, string.Join(",", versions));
        }
    }

    private sealed record AlertStats(long Expected, int Received, int Duplicated, int Lost, string Versions)
    {
        public override string ToString() =>
            $"expected v{Expected}, received {Received} (v{Versions}), duplicated {Duplicated}, lost {Lost}";
    }
}
