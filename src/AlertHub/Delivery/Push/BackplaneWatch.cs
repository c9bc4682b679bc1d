using StackExchange.Redis;

namespace AlertHub.Delivery.Push;

/// <summary>
/// Watches this node's own SignalR Redis connection. A push another node published while this node was not
/// subscribed (Redis restarted, this node's connection still coming back) reached none of this node's devices
/// and is marked dispatched all the same; when the connection is restored the dispatcher writes the pushes of
/// that window again to this node's own connections (<see cref="PushDispatcher.RedeliverLocallyAsync"/>).
/// </summary>
internal sealed class BackplaneWatch(TimeProvider time, ILogger<BackplaneWatch> logger)
{
    private long _failedAtTicks;

    private readonly TaskCompletionSource<IConnectionMultiplexer> _connection = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The SignalR backplane's own multiplexer, once SignalR has made it (its prefix applies to every channel).</summary>
    public Task<IConnectionMultiplexer> Connection => _connection.Task;

    /// <summary>True from a connection failure until the connection is restored.</summary>
    public bool IsDown => Interlocked.Read(ref _failedAtTicks) != 0;

    /// <summary>Raised with the moment the connection failed.</summary>
    public event Func<DateTimeOffset, Task>? Restored;

    public async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions configuration, TextWriter log)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration, log);
        connection.ConnectionFailed += (_, e) =>
        {
            Interlocked.CompareExchange(ref _failedAtTicks, time.GetUtcNow().UtcTicks, 0);
            logger.LogWarning("Redis backplane connection failed ({FailureType})", e.FailureType);
        };
        connection.ConnectionRestored += (_, _) =>
        {
            var failed = Interlocked.Exchange(ref _failedAtTicks, 0);
            if (failed == 0 || Restored is not { } restored)
            {
                return;
            }
            logger.LogInformation("Redis backplane connection restored");
            _ = Task.Run(async () =>
            {
                try
                {
                    // Give SignalR a moment to re-subscribe its channels on the restored connection.
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    await restored(new DateTimeOffset(failed, TimeSpan.Zero));
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Redelivering pushes after the Redis outage failed; clients catch up through the change feed");
                }
            });
        };
        _connection.TrySetResult(connection);
        return connection;
    }
}
