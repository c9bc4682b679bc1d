using System.Collections.Concurrent;
using System.Net.Http.Json;
using AlertHub.Client;
using AlertHub.Alerts;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.ScaleOut;

/// <summary>
/// Issue 16, memory per connection: a partner's device costs Redis no subscription of its own (SignalR's manager
/// subscribed two per connection), and is still reached by its id, by "all" and "all except" from any node.
/// </summary>
[Trait("Category", "ScaleOut")]
[Collection(ScaleOutCollection.Name)]
public sealed class BackplaneConnectionTests(RedisFixture redis)
{
    [Fact]
    public async Task APartnersConnection_SubscribesNothingOfItsOwn_AndIsReachedFromTheOtherNode()
    {
        await using var cluster = await Cluster.StartAsync(redis);
        await using var monitor = await RedisMonitor.StartAsync(cluster.Redis.Port);
        var police = await cluster.B.LoginAsync(TestHost.Police);
        await using var onB = await ProbeAsync(police);
        var youthWork = await cluster.A.LoginAsync(TestHost.YouthWork);
        await using var onA = await ProbeAsync(youthWork);
        var coordinator = await cluster.A.LoginAsync(TestHost.Coordinator);
        await using var follower = coordinator.CreateHubConnection();
        await follower.StartAsync();

        var subscribes = monitor.Commands.Where(c => c.StartsWith("\"SUBSCRIBE\"", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.DoesNotContain(subscribes, c => c.Contains(onB.Hub.ConnectionId!, StringComparison.Ordinal));
        Assert.DoesNotContain(subscribes, c => c.Contains(onA.Hub.ConnectionId!, StringComparison.Ordinal));
        var policeId = (await police.Http.GetFromJsonAsync<MeDto>("/api/me", AlertHubJson.Options))!.PersonId.ToString();
        Assert.DoesNotContain(subscribes, c => c.Contains(policeId, StringComparison.Ordinal));
        // A follower still joins SignalR's manager for its group (the deltas of its alerts come through it).
        await Eventually.TrueAsync(() => monitor.Commands.Any(c => c.StartsWith("\"SUBSCRIBE\"", StringComparison.OrdinalIgnoreCase)
            && c.Contains(":group:", StringComparison.Ordinal)), "the follower's group subscription", TimeSpan.FromSeconds(5));

        var managerOnA = cluster.A.Services.GetRequiredService<HubLifetimeManager<AlertsHub>>();
        await managerOnA.SendConnectionAsync(onB.Hub.ConnectionId!, Probe.Method, ["by id"]);
        await onB.WaitForAsync("by id");
        await managerOnA.SendConnectionsAsync([onA.Hub.ConnectionId!, onB.Hub.ConnectionId!], Probe.Method, ["both by id"]);
        await onA.WaitForAsync("both by id");
        await onB.WaitForAsync("both by id");
        await managerOnA.SendAllAsync(Probe.Method, ["all"]);
        await onA.WaitForAsync("all");
        await onB.WaitForAsync("all");
        await managerOnA.SendAllExceptAsync(Probe.Method, ["all but B"], [onB.Hub.ConnectionId!]);
        await onA.WaitForAsync("all but B");
        await managerOnA.SendAllAsync(Probe.Method, ["after"]);
        await onB.WaitForAsync("after");
        Assert.DoesNotContain("all but B", onB.Heard);
        Assert.Single(onB.Heard, h => h == "by id");
    }

    private static async Task<Probe> ProbeAsync(AlertHubClient client)
    {
        var hub = client.CreateHubConnection();
        var probe = new Probe(hub);
        hub.On<string>(Probe.Method, probe.Heard.Enqueue);
        await hub.StartAsync();
        return probe;
    }

    private sealed class Probe(HubConnection hub) : IAsyncDisposable
    {
        public const string Method = "BackplaneProbe";

        public HubConnection Hub { get; } = hub;

        public ConcurrentQueue<string> Heard { get; } = new();

        public Task WaitForAsync(string text) =>
            Eventually.TrueAsync(() => Heard.Contains(text), $"\"{text}\" on connection {Hub.ConnectionId}", TimeSpan.FromSeconds(5));

        public ValueTask DisposeAsync() => Hub.DisposeAsync();
    }
}
