namespace AlertHub.Infrastructure;

internal static class Clock
{
    /// <summary>
    /// Now, cut to whole microseconds: PostgreSQL stores no finer, and a value read back must equal
    /// the value that was written (SQLite and PostgreSQL alike).
    /// </summary>
    public static DateTimeOffset Now(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}

internal static class Waiting
{
    /// <summary>
    /// Waits one poll interval. Due times are always judged by the injected clock; the extra real-time
    /// wake-up only matters for a test clock, which may be moved while the loop was busy and would
    /// otherwise leave it asleep until the next move.
    /// </summary>
    public static async Task WaitAsync(this TimeProvider time, TimeSpan interval, CancellationToken ct)
    {
        if (ReferenceEquals(time, TimeProvider.System))
        {
            await Task.Delay(interval, ct);
            return;
        }
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = await Task.WhenAny(Task.Delay(interval, time, either.Token), Task.Delay(interval, either.Token));
        await either.CancelAsync();
        ct.ThrowIfCancellationRequested();
        await first.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
