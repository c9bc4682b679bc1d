using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AlertHub.Infrastructure;

internal sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>StackExchange.Redis configuration string; empty = a single node without backplane.</summary>
    public string? Configuration { get; set; }

    public string ChannelPrefix { get; set; } = "alerthub";
}

internal static class RedisSetup
{
    /// <summary>
    /// With Redis configured, SignalR messages go through its pub/sub so a push from any node reaches
    /// clients on every node. AbortOnConnectFail=false: a node starts (and keeps raising alerts) while
    /// Redis is down; the outbox relays the pushes once it is back.
    /// </summary>
    public static WebApplicationBuilder AddRedisBackplane(this WebApplicationBuilder builder, ISignalRServerBuilder signalR)
    {
        builder.Services.Configure<RedisOptions>(builder.Configuration.GetSection(RedisOptions.SectionName));
        var options = builder.Configuration.GetSection(RedisOptions.SectionName).Get<RedisOptions>() ?? new RedisOptions();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            return builder;
        }
        signalR.AddStackExchangeRedis(options.Configuration, redis =>
        {
            redis.Configuration.ChannelPrefix = RedisChannel.Literal(options.ChannelPrefix);
            redis.Configuration.AbortOnConnectFail = false;
            redis.Configuration.ConnectTimeout = 2000;
            redis.Configuration.SyncTimeout = 2000;
            redis.Configuration.AsyncTimeout = 2000;
            // Issue 16: the default scheduler's dedicated writer threads were woken (Monitor.Pulse) for every
            // publish, 7 % of a node's CPU in the two-node raise-only profile; .NET's thread pool does it cheaper.
            redis.Configuration.SocketManager = SocketManager.ThreadPool;
        });
        builder.Services.AddSingleton(new RedisProbe(options.Configuration));
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return builder;
    }
}

/// <summary>A separate, lazily connected multiplexer only for the readiness check.</summary>
internal sealed class RedisProbe(string configuration) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _connection = new(() =>
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1000;
        options.AsyncTimeout = 1000;
        options.SocketManager = SocketManager.ThreadPool;
        return ConnectionMultiplexer.Connect(options);
    });

    private long _lastFailureTicks = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>
    /// What makes Redis down for this node: no connection, or no answer within the timeout. RedisTimeoutException
    /// is a <see cref="TimeoutException"/>, not a <see cref="RedisException"/>; a Redis too slow to answer in
    /// time delays pushes as much as one that is gone.
    /// </summary>
    public static bool IsOutage(Exception e) => e is RedisException or TimeoutException;

    public async Task<TimeSpan> PingAsync()
    {
        try
        {
            return await _connection.Value.GetDatabase().PingAsync();
        }
        catch (Exception e) when (IsOutage(e))
        {
            Interlocked.Exchange(ref _lastFailureTicks, DateTimeOffset.UtcNow.UtcTicks);
            throw;
        }
    }

    /// <summary>How many subscribers (over every node) each of these pub/sub channels has: PUBSUB NUMSUB.</summary>
    public async Task<long[]> SubscriberCountsAsync(object[] channels)
    {
        var reply = (RedisResult[])(await _connection.Value.GetDatabase().ExecuteAsync("PUBSUB", ["NUMSUB", .. channels]))!;
        var counts = new long[reply.Length / 2];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = (long)reply[2 * i + 1];
        }
        return counts;
    }

    /// <summary>
    /// True when Redis has answered without a failure for at least <paramref name="span"/>. After an
    /// outage every node must first re-subscribe its SignalR channels; a push published before that
    /// reaches nobody, so the relay waits for Redis to be back for a while, not just back.
    /// </summary>
    public async Task<bool> StableForAsync(TimeSpan span)
    {
        try
        {
            await PingAsync();
        }
        catch (Exception e) when (IsOutage(e))
        {
            return false;
        }
        return DateTimeOffset.UtcNow.UtcTicks - Interlocked.Read(ref _lastFailureTicks) >= span.Ticks;
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }
}

internal sealed class RedisHealthCheck(RedisProbe probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await probe.PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (TimeoutException e)
        {
            return HealthCheckResult.Unhealthy($"Redis antwoordt niet op tijd ({e.GetType().Name}): pushes wachten in de outbox.");
        }
        catch (Exception e) when (RedisProbe.IsOutage(e))
        {
            return HealthCheckResult.Unhealthy($"Redis is niet bereikbaar ({e.GetType().Name}): pushes wachten in de outbox.");
        }
    }
}
