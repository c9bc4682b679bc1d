using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Testing;
using AlertHub.Delivery.Push;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.ScaleOut;

/// <summary>R11 with real parts: PostgreSQL and redis-server processes on loopback, two hub nodes.</summary>
[Trait("Category", "ScaleOut")]
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests(RedisFixture redis)
{
    [Fact]
    public async Task RaisedOnNodeA_ReachesPartnersOnNodeB_WithinOneSecond()
    {
        await using var cluster = await Cluster.StartAsync(redis);
        var police = await cluster.B.ListenAsync(TestHost.Police);
        var youthWork = await cluster.B.ListenAsync(TestHost.YouthWork);
        var coordinator = await cluster.A.LoginAsync(TestHost.Coordinator);

        var clock = Stopwatch.StartNew();
        var alert = await coordinator.RaiseAsync();
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id, TimeSpan.FromSeconds(1));
        await youthWork.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id, TimeSpan.FromSeconds(1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AnAlert_GoesThroughRedisAsOnePublishForItsWholeAudience_NotOnePerRecipient()
    {
        await using var cluster = await Cluster.StartAsync(redis);
        var police = await cluster.B.ListenAsync(TestHost.Police);
        var youthWork = await cluster.B.ListenAsync(TestHost.YouthWork);
        var coordinator = await cluster.A.LoginAsync(TestHost.Coordinator);
        await using var monitor = await RedisMonitor.StartAsync(cluster.Redis.Port);

        var alert = await coordinator.RaiseAsync();
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id, TimeSpan.FromSeconds(5));
        await youthWork.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id, TimeSpan.FromSeconds(5));

        // Issue 16: SignalR's own backplane published (and serialized) the alert once per recipient.
        Assert.True(alert.Recipients.Count >= 3, $"{alert.Recipients.Count} recipients");
        var publishes = monitor.Commands.Where(c => c.StartsWith("\"PUBLISH\"", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.DoesNotContain(publishes, c => c.Contains(":user:", StringComparison.Ordinal));
        Assert.Single(publishes, c => c.Contains("AlertsHub:users\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenIssuedByNodeA_IsAcceptedByNodeB()
    {
        await using var cluster = await Cluster.StartAsync(redis);
        var onA = await cluster.A.LoginAsync(TestHost.Police);
        var onB = new AlertHubClient(cluster.B.CreateHttp());
        onB.UseToken(onA.AccessToken!);

        var me = await onB.Http.GetFromJsonAsync<MeDto>("/api/me", AlertHubJson.Options);
        Assert.Equal(PersonRole.Partner, me!.Role);
        await using var hub = onB.CreateHubConnection();
        await hub.StartAsync();
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }

    [Fact]
    public async Task RedisDown_RaisingWorks_ReadyIs503_SmsStillSent_AndEveryClientCatchesUpWhenItReturns()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var extra = new Dictionary<string, string?>(twilio.HubSettings())
        {
            // Long enough for a local push and its receipt on a busy 2-core CI machine, short enough for the test.
            ["Alerts:SmsFallbackAfter"] = "00:00:04",
            ["Hotline:Opens"] = "00:00",
            ["Hotline:Closes"] = "23:59",
        };
        await using var cluster = await Cluster.StartAsync(redis, extra);
        var police = await cluster.A.ListenAsync(TestHost.Police);
        var youthWork = await cluster.B.ListenAsync(TestHost.YouthWork);
        police.ConfirmReceipts = youthWork.ConfirmReceipts = true;
        var coordinatorA = await cluster.A.LoginAsync(TestHost.Coordinator);
        var coordinatorB = await cluster.B.LoginAsync(TestHost.Coordinator);

        await cluster.Redis.KillAsync();
        var raised = new List<AlertDto>
        {
            await coordinatorA.RaiseAsync(idempotencyKey: "down-1"),
            await coordinatorB.RaiseAsync(idempotencyKey: "down-2"),
            await coordinatorA.RaiseAsync(idempotencyKey: "down-3"),
        };
        Assert.Equal(3, raised.Select(a => a.Sequence).Distinct().Count());

        using (var ready = await cluster.A.CreateHttp().GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("Redis", await ready.Content.ReadAsStringAsync());
        }
        // Each node still pushes to its own connections; a partner on the other node cannot be reached by push,
        // so the SMS fallback reaches them: police (on A) for the alert raised on B, youth work (on B) for the two raised on A.
        await Eventually.HoldsAsync(() => Task.FromResult(twilio.Messages.Count(m => m.To == "+31600000002")), n => n == 2,
            TimeSpan.FromSeconds(20), "two SMS to the youth worker on B while Redis is down");
        await Eventually.HoldsAsync(() => Task.FromResult(twilio.Messages.Count(m => m.To == "+31600000001")), n => n == 1,
            TimeSpan.FromSeconds(20), "one SMS to the police partner on A while Redis is down");
        Assert.Equal(new[] { raised[0].Id, raised[2].Id }.Order(), police.Raised.Select(a => a.Id).Distinct().Order());
        Assert.Equal([raised[1].Id], youthWork.Raised.Select(a => a.Id).Distinct());

        await cluster.Redis.RestartAsync();
        foreach (var listener in new[] { police, youthWork })
        {
            await Eventually.HoldsAsync(() => Task.FromResult(listener.Raised.Select(a => a.Id).Distinct().Count()), n => n == 3,
                TimeSpan.FromSeconds(30), "every alert relayed after Redis returned");
            // A local push and the relay may both arrive; the relay carries the latest state (a higher version).
            Assert.All(listener.Raised.GroupBy(r => r.Id), copies => Assert.True(copies.Last().Version >= copies.First().Version));
        }
        await Eventually.HoldsAsync(async () => (await cluster.B.CreateHttp().GetAsync("/health/ready")).StatusCode,
            s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "ready again");
        Assert.Equal(1, twilio.Messages.Count(m => m.To == "+31600000001"));
    }

    [Fact]
    public async Task RedisDown_ADeviceStillConnects_HearsItsOwnNode_AndOnceRedisIsBackTheOtherNodeToo()
    {
        await using var cluster = await Cluster.StartAsync(redis, TestHost.QuietTimers());
        var coordinatorA = await cluster.A.LoginAsync(TestHost.Coordinator);
        var coordinatorB = await cluster.B.LoginAsync(TestHost.Coordinator);
        await cluster.Redis.KillAsync();

        // SignalR's own backplane refused every new connection while Redis was away: a phone that reconnected then
        // heard nothing, not even from its own node. Node B has had no connection yet, so it subscribes now or later.
        var police = await cluster.B.ListenAsync(TestHost.Police);
        var local = await coordinatorB.RaiseAsync(idempotencyKey: "while-down");
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == local.Id, TimeSpan.FromSeconds(10));

        await cluster.Redis.RestartAsync();
        await Eventually.HoldsAsync(async () => (await cluster.B.CreateHttp().GetAsync("/health/ready")).StatusCode,
            s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "B ready again");
        await Task.Delay(TimeSpan.FromSeconds(2)); // past B's redelivery of the outage window: what follows is pushed
        var remote = await coordinatorA.RaiseAsync(idempotencyKey: "after");
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == remote.Id, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task NodeDyingAfterCommitBeforePush_IsCoveredByTheOtherNode_AndItsClientsCatchUpThere()
    {
        await using var cluster = await Cluster.StartAsync(redis, onlyA: services => services.AddSingleton<IPushPublisher, DeadAfterCommit>());
        var onB = await cluster.B.ListenAsync(TestHost.YouthWork);
        var onA = await cluster.A.ListenAsync(TestHost.Police);
        var coordinator = await cluster.A.LoginAsync(TestHost.Coordinator);

        var alert = await coordinator.RaiseAsync();
        await cluster.A.DisposeAsync(); // node A dies having committed but never pushed

        var relayed = await onB.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id, TimeSpan.FromSeconds(10));
        Assert.Equal(alert.Sequence, relayed.Sequence);

        // The partner that was on A reconnects to B and asks for what it missed.
        var moved = new AlertHubClient(cluster.B.CreateHttp());
        moved.UseToken(onA.Client.AccessToken!);
        await using var hub = moved.CreateHubConnection();
        await hub.StartAsync();
        var missed = await hub.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L);
        Assert.Equal([alert.Id], missed.Select(a => a.Id));
    }

    [Fact]
    public async Task HundredConcurrentRaisesAcrossBothNodes_GiveHundredDistinctSequences_AndEveryClientHoldsThemAll()
    {
        await using var cluster = await Cluster.StartAsync(redis);
        var police = await cluster.A.ListenAsync(TestHost.Police);
        var youthWork = await cluster.B.ListenAsync(TestHost.YouthWork);
        var onA = await cluster.A.LoginAsync(TestHost.Coordinator);
        var onB = await cluster.B.LoginAsync(TestHost.Coordinator2);

        var raises = Enumerable.Range(0, 100)
            .Select(i => i % 2 == 0 ? onA.RaiseAsync(idempotencyKey: $"c{i}") : onB.RaiseAsync(idempotencyKey: $"c{i}"));
        var alerts = await Task.WhenAll(raises);
        Assert.Equal(100, alerts.Select(a => a.Sequence).Distinct().Count());
        Assert.Equal(100, alerts.Select(a => a.Id).Distinct().Count());

        foreach (var listener in new[] { police, youthWork })
        {
            await Eventually.HoldsAsync(() => Task.FromResult(listener.Raised.Select(a => a.Id).Distinct().Count()), n => n == 100,
                TimeSpan.FromSeconds(30), "all hundred pushed");
            var caughtUp = await listener.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L);
            var held = listener.Raised.Select(a => a.Id).Union(caughtUp.Select(a => a.Id)).ToHashSet();
            Assert.True(alerts.All(a => held.Contains(a.Id)));
            Assert.Equal(caughtUp.OrderBy(a => a.Sequence).Select(a => a.Sequence), caughtUp.Select(a => a.Sequence));
        }
    }

    [Fact]
    public async Task WithTwoNodes_EachSmsFallbackAndEscalationIsSentOnce()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var extra = new Dictionary<string, string?>(twilio.HubSettings())
        {
            ["Alerts:SmsFallbackAfter"] = "00:00:01",
            ["Alerts:EscalateAfter"] = "00:00:02",
            ["Hotline:Opens"] = "00:00",
            ["Hotline:Closes"] = "23:59",
        };
        await using var cluster = await Cluster.StartAsync(redis, extra);
        var coordinator = await cluster.A.LoginAsync(TestHost.Coordinator);
        for (var i = 0; i < 3; i++)
        {
            await coordinator.RaiseAsync(idempotencyKey: $"sms-{i}");
        }

        await Eventually.HoldsAsync(() => Task.FromResult(twilio.Messages.Count(m => m.Body.StartsWith("AlertHub ESCALATIE", StringComparison.Ordinal))),
            n => n >= 12, TimeSpan.FromSeconds(30), "escalation SMS");
        await Task.Delay(2500);
        var fallback = twilio.Messages.Where(m => m.Body.StartsWith("AlertHub:", StringComparison.Ordinal)).ToList();
        var escalation = twilio.Messages.Where(m => m.Body.StartsWith("AlertHub ESCALATIE", StringComparison.Ordinal)).ToList();
        Assert.Equal(15, fallback.Count);   // 5 recipients × 3 alerts
        Assert.Equal(12, escalation.Count); // 3 backups + team lead, × 3 alerts
        Assert.Equal(twilio.Messages.Count, twilio.Attempts.Count);
    }

    /// <summary>A node that dies between commit and push: it never gets a push out, fast path or relay.</summary>
    private sealed class DeadAfterCommit : IPushPublisher
    {
        public Task PublishAsync(AlertPush push) => throw new InvalidOperationException("this node is dead");

        public Task PublishEvaluationDueAsync(IReadOnlyList<string> audience, EvaluationDto evaluation) =>
            throw new InvalidOperationException("this node is dead");

        public Task PublishRecipientsChangedAsync(IReadOnlyList<string> followers, RecipientsChangedDto delta) =>
            throw new InvalidOperationException("this node is dead");
    }
}

/// <summary>Redis's MONITOR on a socket of its own: every command any client sends, as Redis logs it.</summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    private readonly System.Net.Sockets.TcpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _commands = new();

    private RedisMonitor(System.Net.Sockets.TcpClient client, StreamReader reader)
    {
        _client = client;
        _reading = Task.Run(async () =>
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                // +1733580000.123456 [0 127.0.0.1:40000] "PUBLISH" "channel" "payload"
                if (line.IndexOf("] ", StringComparison.Ordinal) is var at and > 0)
                {
                    _commands.Enqueue(line[(at + 2)..]);
                }
            }
        });
    }

    public IReadOnlyList<string> Commands => [.. _commands];

    public static async Task<RedisMonitor> StartAsync(int port)
    {
        var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        var reader = new StreamReader(stream);
        var ok = await reader.ReadLineAsync();
        Assert.Equal("+OK", ok);
        return new RedisMonitor(client, reader);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _client.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }
}
