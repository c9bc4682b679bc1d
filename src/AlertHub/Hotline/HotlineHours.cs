namespace AlertHub.Hotline;

/// <summary>
/// Hotline hours are a rule in local wall-clock time: 07:00–19:00 in Amsterdam is 06:00–18:00 UTC in
/// winter and 05:00–17:00 UTC in summer, so the check converts the instant to local time first.
/// </summary>
internal sealed record HotlineHours(TimeOnly Opens, TimeOnly Closes, TimeZoneInfo TimeZone, IReadOnlySet<DayOfWeek> Days)
{
    public const string ClosedNotice =
        "De hotline is nu gesloten: partners krijgen de melding wel in de app, maar geen sms. Bel bij acuut gevaar 112.";

    public bool IsOpenAt(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (Opens <= Closes)
        {
            return Days.Contains(local.DayOfWeek) && time >= Opens && time < Closes;
        }
        // A window across midnight (22:00–06:00) belongs to the day it opened.
        return (time >= Opens && Days.Contains(local.DayOfWeek))
            || (time < Closes && Days.Contains(local.AddDays(-1).DayOfWeek));
    }

    /// <summary>The next instant the hotline opens, at or after <paramref name="instant"/> (DST-correct).</summary>
    public DateTimeOffset NextOpening(DateTimeOffset instant)
    {
        if (IsOpenAt(instant))
        {
            return instant;
        }
        var localDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime);
        for (var day = 0; day <= 8; day++)
        {
            var date = localDate.AddDays(day);
            if (!Days.Contains(date.DayOfWeek))
            {
                continue;
            }
            var local = date.ToDateTime(Opens);
            // An opening time that falls in the spring-forward gap moves to the first valid minute.
            while (TimeZone.IsInvalidTime(local))
            {
                local = local.AddMinutes(1);
            }
            var opening = new DateTimeOffset(local, TimeZone.GetUtcOffset(local));
            if (opening >= instant)
            {
                return opening.ToUniversalTime();
            }
        }
        return instant;
    }

    public string Describe() => $"{Opens:HH\\:mm}–{Closes:HH\\:mm}";

    public static HotlineHours For(HotlineOptions defaults, People.Region? region) => new(
        region?.HotlineOpens ?? defaults.Opens,
        region?.HotlineCloses ?? defaults.Closes,
        TimeZoneInfo.FindSystemTimeZoneById(region?.TimeZone ?? defaults.TimeZone),
        ParseDays(region?.HotlineDays ?? defaults.Days));

    public static IReadOnlySet<DayOfWeek> ParseDays(string? days)
    {
        if (string.IsNullOrWhiteSpace(days))
        {
            return Enum.GetValues<DayOfWeek>().ToHashSet();
        }
        var result = new HashSet<DayOfWeek>();
        foreach (var part in days.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var matches = Enum.GetValues<DayOfWeek>()
                .Where(d => part.Length >= 2 && d.ToString().StartsWith(part, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (matches.Count != 1)
            {
                throw new FormatException($"Onbekende dag '{part}'; gebruik Mon,Tue,Wed,Thu,Fri,Sat,Sun.");
            }
            result.Add(matches[0]);
        }
        return result;
    }
}
