using System.Text.Json;
using System.Text.Json.Serialization;
using AlertHub.Client;

namespace AlertHub.Delivery.WebPush;

/// <summary>
/// CONTRACT v2: what a push carries. It may show on a lock screen, so it names the school and the kind of alert and
/// never a person, a note or a phone number; the app fetches the rest after sign-in, by <see cref="AlertId"/>.
/// <see cref="Instruction"/> (issue 17): the version of a new instruction — the push says there is one, not what it says.
/// </summary>
internal sealed record WebPushPayload(
    string Type,
    Guid AlertId,
    long Sequence,
    long Version,
    string SchoolName,
    AlertKind Kind,
    DateTimeOffset RaisedAt,
    bool Drill,
    string Url,
    bool? Renotify,
    int? Repeat,
    int? Instruction = null)
{
    private static readonly JsonSerializerOptions Json = new(AlertHubJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The web app's route for one alert (coordinators see it; a partner's app shows its inbox there).</summary>
    public static string UrlFor(Guid alertId) => $"/#/melding/{alertId}";

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
