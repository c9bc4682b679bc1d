using System.Globalization;
using AlertHub.Client;

namespace AlertHub.Cli;

/// <summary>What a Dutch user types for kinds and answers; the wire names (CONTRACT) are accepted too.</summary>
internal static class Words
{
    private static readonly Dictionary<string, AlertKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dreiging"] = AlertKind.Threat, ["dreigende-situatie"] = AlertKind.Threat, ["threat"] = AlertKind.Threat,
        ["wapen"] = AlertKind.Weapon, ["weapon"] = AlertKind.Weapon,
        ["vechtpartij"] = AlertKind.Fight, ["fight"] = AlertKind.Fight,
        ["groep-onderweg"] = AlertKind.GroupMoving, ["groep"] = AlertKind.GroupMoving, ["group_moving"] = AlertKind.GroupMoving,
        ["anders"] = AlertKind.Other, ["other"] = AlertKind.Other,
    };

    private static readonly Dictionary<string, AckResponse> Responses = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gezien"] = AckResponse.Seen, ["seen"] = AckResponse.Seen, ["1"] = AckResponse.Seen,
        ["onderweg"] = AckResponse.OnMyWay, ["on_my_way"] = AckResponse.OnMyWay, ["2"] = AckResponse.OnMyWay,
        ["ter-plaatse"] = AckResponse.OnScene, ["terplaatse"] = AckResponse.OnScene, ["on_scene"] = AckResponse.OnScene, ["3"] = AckResponse.OnScene,
        ["kan-niet"] = AckResponse.Unable, ["kanniet"] = AckResponse.Unable, ["unable"] = AckResponse.Unable, ["4"] = AckResponse.Unable,
    };

    public static AlertKind Kind(string value) =>
        Kinds.TryGetValue(Normal(value), out var kind)
            ? kind
            : throw new UserError($"Onbekende soort '{value}'. Kies dreiging, wapen, vechtpartij, groep-onderweg of anders.");

    public static AckResponse Response(string? value) =>
        Responses.TryGetValue(Normal(value ?? ""), out var response)
            ? response
            : throw new UserError($"Onbekende reactie '{value}'. Kies gezien, onderweg, ter-plaatse of kan-niet (of 1–4, zoals in de sms).");

    private static string Normal(string value) => value.Trim().Replace(' ', '-');
}

/// <summary>
/// Which alert a user means: its short id as the tables show it (the last 8 characters of the id: ids are
/// time-ordered, so their first characters are the same for alerts raised close together), the start or the
/// end of the id (at least 4 characters), the whole id, or its number (#12). What fits more than one alert is
/// refused with the candidates.
/// </summary>
internal static class AlertIds
{
    public const int ShortLength = 8;

    public static string Short(Guid id) => id.ToString("N")[^ShortLength..];

    public static async Task<Guid> ResolveAsync(AlertHubClient client, string text, CancellationToken ct) =>
        Guid.TryParse(text.Trim(), out var id)
            ? id
            : Pick((await client.ListAlertsAsync(status: null, ct)).Select(a => (a.Id, a.Sequence)).ToList(), text);

    /// <summary>The one alert of <paramref name="alerts"/> that <paramref name="text"/> names; a Dutch refusal otherwise.</summary>
    public static Guid Pick(IReadOnlyList<(Guid Id, long Sequence)> alerts, string text)
    {
        var value = text.Trim();
        if (Guid.TryParse(value, out var id))
        {
            return id;
        }
        if (value.StartsWith('#'))
        {
            return long.TryParse(value[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                && alerts.FirstOrDefault(a => a.Sequence == sequence) is { Id: var numbered } && numbered != Guid.Empty
                ? numbered
                : throw new UserError($"Geen melding {value} gevonden die je mag zien.");
        }
        var prefix = value.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        if (prefix.Length < 4 || !prefix.All(Uri.IsHexDigit))
        {
            throw new UserError($"'{text}' is geen id van een melding: geef het korte id uit de kolom Id (minstens 4 tekens), of #volgnummer.");
        }
        var matches = alerts.Where(a => a.Id.ToString("N") is var hex
            && (hex.EndsWith(prefix, StringComparison.Ordinal) || hex.StartsWith(prefix, StringComparison.Ordinal))).ToList();
        return matches.Count switch
        {
            1 => matches[0].Id,
            0 => throw new UserError($"Geen melding gevonden met id '{text}'."),
            _ => throw new UserError($"Het id '{text}' past bij meer meldingen ({string.Join(", ", matches.Select(a => $"#{a.Sequence} {Short(a.Id)}"))}); geef meer tekens."),
        };
    }
}
