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
