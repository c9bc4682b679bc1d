using System.Collections.Concurrent;
using System.Collections.Frozen;

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
            // Closes is exclusive, except at the last tick of the day: 00:00–23:59:59.9999999 is round the clock.
            return Days.Contains(local.DayOfWeek) && time >= Opens && (time < Closes || Closes == TimeOnly.MaxValue);
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
        var localDate = LocalDate(instant);
        for (var day = 0; day <= 8; day++)
        {
            if (OpeningOn(localDate.AddDays(day)) is { } opening && opening >= instant)
            {
                return opening;
            }
        }
        return instant;
    }

    /// <summary>The instant the hotline opens on a local date; null on a day it does not open (DST-correct).</summary>
    public DateTimeOffset? OpeningOn(DateOnly date)
    {
        if (!Days.Contains(date.DayOfWeek))
        {
            return null;
        }
        var local = date.ToDateTime(Opens);
        // An opening time that falls in the spring-forward gap moves to the first valid minute.
        while (TimeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>The instant the hotline closes after opening on a local date (the next day for a window across midnight).</summary>
    public DateTimeOffset ClosingAfter(DateOnly date)
    {
        var local = (Opens <= Closes ? date : date.AddDays(1)).ToDateTime(Closes);
        while (TimeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>The local calendar date of an instant in this hotline's time zone.</summary>
    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime);

    public string Describe() => $"{Opens:HH\\:mm}–{Closes:HH\\:mm}";

    // Every raise, SMS text and export asks; the zone lookup and the day list are parsed once per distinct
    // rule (the defaults and a handful of regions), not on each call.
    private static readonly ConcurrentDictionary<(TimeOnly Opens, TimeOnly Closes, string TimeZone, string? Days), HotlineHours> Parsed = new();

    public static HotlineHours For(HotlineOptions defaults, People.Region? region) => Parsed.GetOrAdd(
        (region?.HotlineOpens ?? defaults.Opens, region?.HotlineCloses ?? defaults.Closes,
            region?.TimeZone ?? defaults.TimeZone, region?.HotlineDays ?? defaults.Days),
        static rule => new HotlineHours(rule.Opens, rule.Closes, TimeZoneInfo.FindSystemTimeZoneById(rule.TimeZone), ParseDays(rule.Days)));

    /// <summary>An IANA id (Europe/Amsterdam) that this machine knows; Windows ids are refused so the data stays portable.</summary>
    public static bool IsIanaTimeZone(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId;

    public static IReadOnlySet<DayOfWeek> ParseDays(string? days) => TryParseDays(days, out var result, out var unknown)
        ? result
        : throw new FormatException(unknown is null
            ? $"Geen dagen in '{days}'; gebruik Mon,Tue,Wed,Thu,Fri,Sat,Sun of laat het leeg voor elke dag."
            : $"Onbekende dag '{unknown}'; gebruik Mon,Tue,Wed,Thu,Fri,Sat,Sun.");

    /// <summary>
    /// Empty = every day. Fails on a part that is not (the start of) exactly one day, <paramref name="unknown"/>
    /// naming it, and on a list without any day (",": a hotline that never opens), <paramref name="unknown"/> null.
    /// </summary>
    public static bool TryParseDays(string? days, out IReadOnlySet<DayOfWeek> result, out string? unknown)
    {
        unknown = null;
        if (string.IsNullOrWhiteSpace(days))
        {
            result = Enum.GetValues<DayOfWeek>().ToFrozenSet();
            return true;
        }
        var parsed = new HashSet<DayOfWeek>();
        foreach (var part in days.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var matches = Enum.GetValues<DayOfWeek>()
                .Where(d => part.Length >= 2 && d.ToString().StartsWith(part, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (matches.Count != 1)
            {
                unknown = part;
                result = FrozenSet<DayOfWeek>.Empty;
                return false;
            }
            parsed.Add(matches[0]);
        }
        result = parsed.ToFrozenSet();
        return parsed.Count > 0;
    }
}
