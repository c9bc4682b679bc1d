using AlertHub.Infrastructure;
using AlertHub.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AlertHub.Tests.Infrastructure;

/// <summary>
/// The probe behind the readiness check and the outbox relay's wait: a Redis that answers too slowly (here one
/// second each way behind <see cref="DelayProxy"/>, against the probe's one-second timeout) is as down as one
/// that does not answer, and is trusted again only after it has answered in time for the settle time.
/// </summary>
public sealed class RedisProbeTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task ASlowRedis_IsDownForTheProbeAndTheHealthCheck_AndStableAgainOnlyAfterTheSettleTime()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var proxy = DelayProxy.Start("127.0.0.1", redis.Port);
        using var probe = new RedisProbe($"127.0.0.1:{proxy.Port},abortConnect=false");
        var health = new RedisHealthCheck(probe);

        await Eventually.TrueAsync(() => probe.StableForAsync(Settle), "Redis stable before the latency", TimeSpan.FromSeconds(15));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        proxy.Latency = TimeSpan.FromSeconds(1);
        Assert.False(await probe.StableForAsync(Settle));
        var slow = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, slow.Status);
        Assert.Contains("Redis", slow.Description, StringComparison.Ordinal);

        proxy.Latency = TimeSpan.Zero;
        // Answers come in time again at once (after the answers still delayed in the proxy) ...
        await Eventually.HoldsAsync(async () => (await health.CheckHealthAsync(new HealthCheckContext())).Status,
            status => status == HealthStatus.Healthy, TimeSpan.FromSeconds(15), "health check healthy after the latency");
        // ... but the relay waits until they have for the settle time: subscriptions are renewed in between.
        Assert.False(await probe.StableForAsync(Settle), "stable right after the slow spell");
        await Eventually.TrueAsync(() => probe.StableForAsync(Settle), "Redis stable after the settle time", TimeSpan.FromSeconds(20));
    }
}
