using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Testing;

/// <summary>
/// Where test time starts. Never a fixed date: by default 10:00 Amsterdam time on the Monday after the real
/// today, so every run sees the same weekday and hotline hours and none expires. <c>ALERTHUB_TEST_START</c>
/// (<c>yyyy-MM-dd</c>) moves the start onto another day — a year back or ahead, a DST switch day — and
/// <c>.ci/run</c> runs the clock-sensitive tests (<c>Category=Clock</c>) once more on each.
/// </summary>
public static class TestClock
{
    public const string StartVariable = "ALERTHUB_TEST_START";

    public static TimeZoneInfo Amsterdam { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    /// <summary>The Amsterdam date tests start on.</summary>
    public static DateOnly Day { get; } = StartDay();

    /// <summary>10:00 Amsterdam time on <see cref="Day"/>: inside the default hotline hours (07:00–19:00).</summary>
    public static DateTimeOffset Start => At(0, 10, 0);

    /// <summary>A wall-clock time in Amsterdam, <paramref name="days"/> after <see cref="Day"/>, as an instant.</summary>
    public static DateTimeOffset At(int days, int hour, int minute = 0)
    {
        var local = Day.AddDays(days).ToDateTime(new TimeOnly(hour, minute));
        while (Amsterdam.IsInvalidTime(local))
        {
            local = local.AddHours(1); // the hour skipped when summer time starts
        }
        return new DateTimeOffset(local, Amsterdam.GetUtcOffset(local));
    }

    /// <summary>The Amsterdam wall-clock time of an instant (for messages and assertions on local times).</summary>
    public static DateTime Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Amsterdam).DateTime;

    /// <summary>A clock that only moves when the test moves it, starting at <paramref name="at"/> (default <see cref="Start"/>).</summary>
    public static FakeTimeProvider Fake(DateTimeOffset? at = null) => new(at ?? Start);

    /// <summary>
    /// A clock that runs in real time but reads as if it was started at <paramref name="at"/>. Without one, the
    /// run's shared clock that started at <see cref="Start"/>: hosts restarted on the same data see time go on.
    /// </summary>
    public static TimeProvider Running(DateTimeOffset? at = null) => at is { } start ? new RunningClock(start) : Shared.Value;

    private static readonly Lazy<TimeProvider> Shared = new(() => new RunningClock(Start));

    private static DateOnly StartDay()
    {
        var given = Environment.GetEnvironmentVariable(StartVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            return DateOnly.ParseExact(given.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Amsterdam).DateTime);
        var untilMonday = ((int)DayOfWeek.Monday - (int)today.DayOfWeek + 7) % 7;
        return today.AddDays(untilMonday == 0 ? 7 : untilMonday);
    }

    /// <summary>Real-time timers and a wall clock shifted to a chosen start.</summary>
    private sealed class RunningClock(DateTimeOffset start) : TimeProvider
    {
        private readonly TimeSpan _offset = start - TimeProvider.System.GetUtcNow();

        public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + _offset;

        public override TimeZoneInfo LocalTimeZone => TimeProvider.System.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            TimeProvider.System.CreateTimer(callback, state, dueTime, period);
    }
}
