namespace AlertHub.Hotline;

/// <summary>
/// Hotline hours are a rule in local wall-clock time: 07:00–19:00 in Amsterdam is 06:00–18:00 UTC in
/// winter and 05:00–17:00 UTC in summer, so the check converts the instant to local time first.
/// </summary>
internal sealed record HotlineHours(TimeOnly Opens, TimeOnly Closes, TimeZoneInfo TimeZone)
{
    public bool IsOpenAt(DateTimeOffset instant)
    {
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime);
        return Opens <= Closes
            ? local >= Opens && local < Closes
            : local >= Opens || local < Closes; // a window across midnight, e.g. 22:00–06:00
    }

    public static HotlineHours For(HotlineOptions defaults, People.Region? region) => new(
        region?.HotlineOpens ?? defaults.Opens,
        region?.HotlineCloses ?? defaults.Closes,
        TimeZoneInfo.FindSystemTimeZoneById(region?.TimeZone ?? defaults.TimeZone));
}
