using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlertHub.Client;

/// <summary>What kind of situation an alert reports. Serialised in snake_case (<c>group_moving</c>).</summary>
public enum AlertKind
{
    /// <summary>Dreigende situatie: the default of a one-tap alert.</summary>
    Threat,
    /// <summary>A weapon is seen or suspected.</summary>
    Weapon,
    /// <summary>Signs of a fight.</summary>
    Fight,
    /// <summary>A group with known figures is moving.</summary>
    GroupMoving,
    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>Life cycle of an alert.</summary>
public enum AlertStatus
{
    /// <summary>Raised and not yet resolved or cancelled.</summary>
    Open,
    /// <summary>Resolved by a coordinator or team lead; feedback was sent.</summary>
    Resolved,
    /// <summary>Cancelled as a false alarm.</summary>
    Cancelled,
}

/// <summary>How far delivery to one recipient has come.</summary>
public enum DeliveryState
{
    /// <summary>Not yet pushed to any device.</summary>
    Pending,
    /// <summary>v1 only: pushed to at least one connected device. A v2 hub leaves a recipient pending until a device confirms receipt.</summary>
    Pushed,
    /// <summary>A device confirmed receipt.</summary>
    Received,
    /// <summary>The SMS fallback was handed to the SMS provider.</summary>
    SmsSent,
    /// <summary>The SMS provider reported delivery.</summary>
    SmsDelivered,
    /// <summary>The SMS could not be delivered.</summary>
    SmsFailed,
}

/// <summary>A partner's answer to an alert.</summary>
public enum AckResponse
{
    /// <summary>Gezien.</summary>
    Seen,
    /// <summary>Onderweg.</summary>
    OnMyWay,
    /// <summary>Ter plaatse.</summary>
    OnScene,
    /// <summary>Kan niet.</summary>
    Unable,
}

/// <summary>The professional discipline of a partner; used for routing and escalation.</summary>
public enum Discipline
{
    /// <summary>Politie (wijkagent).</summary>
    Police,
    /// <summary>Jongerenwerk.</summary>
    YouthWork,
    /// <summary>Handhaving / BOA.</summary>
    Enforcement,
    /// <summary>Jeugdambassadeur.</summary>
    YouthAmbassador,
    /// <summary>Leerplicht.</summary>
    CompulsoryEducation,
    /// <summary>Schoolmaatschappelijk werk.</summary>
    SchoolSocialWork,
    /// <summary>Jeugdbescherming / SOT / CJG.</summary>
    YouthCare,
    /// <summary>Gemeente.</summary>
    Municipality,
    /// <summary>School staff (coordinators).</summary>
    School,
}

/// <summary>The role a person has in AlertHub.</summary>
public enum PersonRole
{
    /// <summary>Coördinator Veilig Leefklimaat of one school.</summary>
    Coordinator,
    /// <summary>Partner organisation member who receives alerts.</summary>
    Partner,
    /// <summary>Regievoerder of a region; owns evaluations.</summary>
    TeamLead,
    /// <summary>Functioneel beheer; keeps the directory.</summary>
    Admin,
}

/// <summary>An alert as clients see it.</summary>
public sealed record AlertDto(
    Guid Id,
    long Sequence,
    string RegionId,
    string SchoolId,
    string SchoolName,
    AlertKind Kind,
    string? Note,
    AlertStatus Status,
    string RaisedBy,
    DateTimeOffset RaisedAt,
    bool HotlineOpen,
    IReadOnlyList<RecipientDto> Recipients,
    IReadOnlyList<AlertUpdateDto> Updates,
    Guid? EvaluationId,
    string? Outcome = null,
    DateTimeOffset? ClosedAt = null,
    string? Notice = null,
    long Version = 0,
    bool Drill = false,
    InstructionDto? Instruction = null,
    string? CoverageNotice = null);

/// <summary>
/// Issue 17: the one current instruction for everyone on an alert, with who set it and when. <see cref="Version"/>
/// is what <c>PUT /api/alerts/{id}/instruction</c> names in <c>replaces</c>.
/// </summary>
public sealed record InstructionDto(string Text, int Version, string SetBy, DateTimeOffset SetAt);

/// <summary>
/// Body of <c>PUT /api/alerts/{id}/instruction</c>: <paramref name="Replaces"/> is the version the caller saw
/// (0: none); another one set meanwhile answers 409 naming it, and the caller confirms by sending its version.
/// </summary>
public sealed record SetInstructionRequest(string? Text, int? Replaces = null);

/// <summary>
/// CONTRACT v2 change feed: the latest state of every alert the caller may see that changed after the cursor
/// passed in, oldest change first, and the cursor to pass next time. <see cref="More"/>: the page was full,
/// ask again at once.
/// </summary>
public sealed record AlertChangesDto(IReadOnlyList<AlertDto> Alerts, string Cursor, bool More = false);

/// <summary>What <see cref="AlertHubClient.RaiseWithResultAsync"/> got back.</summary>
/// <param name="Alert">The alert in its current state.</param>
/// <param name="Created">
/// True: the hub created it for this call (201). False: the <c>Idempotency-Key</c> was used before within the hub's
/// window (200) and <paramref name="Alert"/> is that earlier alert as it stands now (it may be resolved or cancelled).
/// </param>
public sealed record RaiseResult(AlertDto Alert, bool Created);

/// <summary>One recipient of an alert and how far delivery and response have come.</summary>
public sealed record RecipientDto(
    Guid PersonId,
    string Name,
    string? Organisation,
    Discipline? Discipline,
    DeliveryState Delivery,
    AckResponse? Response,
    DateTimeOffset? RespondedAt,
    DateTimeOffset? ReceivedAt = null);

/// <summary>
/// Issue 16 (v2 addition): what receipts and SMS states changed about an alert, for its followers — the changed
/// recipients only, not the whole alert. A client holding the alert at a version from <paramref name="BaseVersion"/>
/// up to (not including) <paramref name="Version"/> replaces those recipients (by <c>personId</c>) and holds
/// <paramref name="Version"/>; one holding <paramref name="Version"/> or newer drops it; any other (an older version,
/// or an alert it does not hold) reads the change feed instead. Sent on <see cref="HubNames.AlertRecipientsChanged"/>
/// to connections that asked for it with <see cref="HubNames.DeltasParameter"/>.
/// </summary>
public sealed record RecipientsChangedDto(Guid AlertId, long BaseVersion, long Version, IReadOnlyList<RecipientDto> Recipients);

/// <summary>A short update on an alert's timeline.</summary>
public sealed record AlertUpdateDto(DateTimeOffset At, string By, string Text);

/// <summary>Body of <c>POST /api/alerts</c>; every field is optional (an empty body is one tap).</summary>
public sealed record RaiseAlertRequest(string? SchoolId = null, AlertKind? Kind = null, string? Note = null, bool? Drill = null);

/// <summary>Body of <c>POST /api/alerts/{id}/acknowledgements</c>.</summary>
public sealed record AcknowledgeRequest(AckResponse Response);

/// <summary>Body of <c>POST /api/alerts/{id}/updates</c>.</summary>
public sealed record PostUpdateRequest(string Text);

/// <summary>v2: <c>POST /api/alerts/{id}/kind</c> — the coordinator or team lead changes the kind of an open alert.</summary>
public sealed record ChangeKindRequest(AlertKind? Kind);

/// <summary>Body of <c>POST /api/alerts/{id}/resolve</c>.</summary>
public sealed record ResolveRequest(string? Outcome);

/// <summary>Body of <c>POST /api/auth/login</c>.</summary>
public sealed record LoginRequest(string Email, string Password);

/// <summary>Body of <c>POST /api/auth/refresh</c>.</summary>
public sealed record RefreshRequest(string RefreshToken);

/// <summary>Answer of a successful sign-in.</summary>
public sealed record TokenResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);

/// <summary>The signed-in person, as returned by <c>GET /api/me</c>.</summary>
public sealed record MeDto(Guid PersonId, string Name, PersonRole Role, string? RegionId, string? SchoolId, Discipline? Discipline);

/// <summary>Issue 17: the opening check asks a device to answer by <see cref="AnswerBy"/>.</summary>
public sealed record ReadinessPingDto(Guid CheckId, DateTimeOffset AnswerBy);

/// <summary>
/// Issue 17: one partner in the last opening check. <c>Reachable</c>: a device answered (also after the window, once
/// the SMS got them to open the app); null while the check runs. <c>Reason</c>: Dutch, when not reachable — no device
/// answered or none registered, and the number's state.
/// </summary>
public sealed record ReadinessTargetDto(Guid PersonId, string Name, Discipline? Discipline, int Devices, DateTimeOffset? AnsweredAt,
    string? AnsweredVia, bool? Reachable, string? Reason, bool SmsSent);

/// <summary>Issue 17: the region's opening check of a day.</summary>
public sealed record ReadinessCheckDto(Guid Id, string RegionId, DateOnly Day, DateTimeOffset StartedAt, DateTimeOffset AnswerBy,
    DateTimeOffset? ConcludedAt, IReadOnlyList<ReadinessTargetDto> Targets);

/// <summary>Issue 17: who is on call for one required discipline now, and whether they were reachable at the check.</summary>
public sealed record OnCallDto(Guid PersonId, string Name, string? Organisation, bool IsBackup, bool? Reachable);

/// <summary>
/// Issue 17: a required discipline now: nobody on call, or nobody reachable, is a gap; <c>Notice</c> says it in Dutch
/// ("Geen handhaving bereikbaar — bel …") and <c>CallName</c>/<c>CallPhone</c> whom to call instead.
/// </summary>
public sealed record DisciplineCoverageDto(Discipline Discipline, IReadOnlyList<OnCallDto> OnCall, bool Gap, string? Notice, string? CallName, string? CallPhone);

/// <summary>Issue 17: part of a day's hotline hours with nobody of a discipline on the roster.</summary>
public sealed record RosterGapDto(Discipline Discipline, DateTimeOffset From, DateTimeOffset Until, string Text);

/// <summary>Issue 17: the region's coverage: now per discipline, the roster's gaps today and tomorrow, the last check.</summary>
public sealed record CoverageDto(string RegionId, DateTimeOffset At, bool HotlineOpen, IReadOnlyList<DisciplineCoverageDto> Now,
    IReadOnlyList<RosterGapDto> Today, IReadOnlyList<RosterGapDto> Tomorrow, ReadinessCheckDto? LastCheck);

/// <summary>Names of the SignalR hub methods and events, so clients do not repeat strings.</summary>
public static class HubNames
{
    /// <summary>Hub path relative to the server's base address.</summary>
    public const string Path = "/hubs/alerts";
    /// <summary>Server → client: a new alert.</summary>
    public const string AlertRaised = nameof(AlertRaised);
    /// <summary>Server → client: an alert changed.</summary>
    public const string AlertUpdated = nameof(AlertUpdated);
    /// <summary>
    /// Server → client (v2, issue 16): <see cref="RecipientsChangedDto"/>, to followers whose connection asked for it
    /// (<see cref="DeltasParameter"/>); they get no whole <see cref="AlertUpdated"/> for a receipt or an SMS state.
    /// </summary>
    public const string AlertRecipientsChanged = nameof(AlertRecipientsChanged);
    /// <summary>Query parameter of the hub URL: <c>deltas=1</c> asks for <see cref="AlertRecipientsChanged"/>.</summary>
    public const string DeltasParameter = "deltas";
    /// <summary>Server → client: an evaluation became due.</summary>
    public const string EvaluationDue = nameof(EvaluationDue);
    /// <summary>Server → client (issue 17): the silent opening check; answer with <see cref="AnswerReadinessCheck"/>.</summary>
    public const string ReadinessCheck = nameof(ReadinessCheck);
    /// <summary>Client → server (issue 17): this device is alive for the opening check.</summary>
    public const string AnswerReadinessCheck = nameof(AnswerReadinessCheck);
    /// <summary>Client → server: confirm an alert reached this device.</summary>
    public const string ConfirmReceipt = nameof(ConfirmReceipt);
    /// <summary>Client → server: answer an alert.</summary>
    public const string Acknowledge = nameof(Acknowledge);
    /// <summary>Client → server (v1): alerts raised after a sequence; v2 clients use <see cref="GetChangesSince"/>.</summary>
    public const string GetAlertsSince = nameof(GetAlertsSince);
    /// <summary>Client → server (v2): the change feed, <see cref="AlertChangesDto"/>.</summary>
    public const string GetChangesSince = nameof(GetChangesSince);
}

/// <summary>The JSON settings of the AlertHub wire format: camelCase, enums in snake_case.</summary>
public static class AlertHubJson
{
    /// <summary>Applies the wire format to existing options (used by server and client alike).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        return options;
    }

    /// <summary>A ready-made instance of the wire format.</summary>
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));
}

/// <summary>Writes every instant in UTC with a <c>Z</c> suffix, as the contract promises; reads any ISO 8601 offset.</summary>
public sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime);
}

/// <summary>Life cycle of an evaluation.</summary>
public enum EvaluationStatus
{
    /// <summary>Being filled in.</summary>
    Open,
    /// <summary>Closed by the team lead; read-only.</summary>
    Closed,
    /// <summary>The alert was a false alarm.</summary>
    Cancelled,
}

/// <summary>The 48-hour evaluation of an alert (R8).</summary>
public sealed record EvaluationDto(
    Guid Id,
    Guid AlertId,
    string RegionId,
    DateTimeOffset DueAt,
    EvaluationStatus Status,
    string? WentWell,
    string? WentWrong,
    string? Cooperation,
    IReadOnlyList<ActionItemDto> ActionItems,
    DateTimeOffset? ClosedAt,
    string? ClosedBy,
    string SchoolName,
    DateTimeOffset AlertRaisedAt,
    bool Overdue,
    IReadOnlyList<EvaluationInputDto> Inputs);

/// <summary>An action item: what still has to be picked up, by whom, by when.</summary>
public sealed record ActionItemDto(Guid? Id, string? Description, string? Owner, DateOnly? DueDate, bool Done);

/// <summary>Who wrote what in an evaluation, kept as it was written.</summary>
public sealed record EvaluationInputDto(DateTimeOffset At, string By, string Field, string Text);

/// <summary>
/// Body of <c>PUT /api/evaluations/{id}</c>: only the answers given are changed. It may be the Evaluation as
/// <c>GET</c> returned it (CONTRACT v2): the read-only fields are then ignored when they equal the stored value
/// and refused (400, naming the field) when they differ; <c>overdue</c> is worked out by the hub and ignored.
/// </summary>
public sealed record UpdateEvaluationRequest(
    string? WentWell = null,
    string? WentWrong = null,
    string? Cooperation = null,
    IReadOnlyList<ActionItemDto>? ActionItems = null,
    Guid? Id = null,
    Guid? AlertId = null,
    string? RegionId = null,
    DateTimeOffset? DueAt = null,
    EvaluationStatus? Status = null,
    DateTimeOffset? ClosedAt = null,
    string? ClosedBy = null,
    string? SchoolName = null,
    DateTimeOffset? AlertRaisedAt = null,
    bool? Overdue = null,
    IReadOnlyList<EvaluationInputDto>? Inputs = null);

/// <summary>An open action item across evaluations of a region.</summary>
public sealed record OpenActionItemDto(Guid Id, Guid EvaluationId, string SchoolName, DateTimeOffset AlertRaisedAt,
    string Description, string? Owner, DateOnly? DueDate, bool Overdue);

/// <summary>
/// Issue 17: the report of a drill (<c>GET /api/alerts/{id}/report</c>): who was reached how fast, who answered,
/// the slowest discipline and who was not reached.
/// </summary>
public sealed record DrillReportDto(
    Guid AlertId,
    string SchoolName,
    AlertKind Kind,
    string RaisedBy,
    DateTimeOffset RaisedAt,
    AlertStatus Status,
    int RecipientCount,
    int ReachedCount,
    int AnsweredCount,
    double? MedianReceivedSeconds,
    IReadOnlyList<DrillRecipientDto> Recipients,
    IReadOnlyList<DrillDisciplineDto> Disciplines,
    Discipline? SlowestDiscipline,
    IReadOnlyList<string> Unreachable);

/// <summary>One recipient of a drill: when it was pushed, received, texted and answered (seconds after the raise).</summary>
public sealed record DrillRecipientDto(
    Guid PersonId,
    string Name,
    string? Organisation,
    Discipline? Discipline,
    DateTimeOffset? PushedAt,
    DateTimeOffset? ReceivedAt,
    DateTimeOffset? TextedAt,
    DateTimeOffset? RespondedAt,
    AckResponse? Response,
    double? ReceivedAfterSeconds,
    double? AnsweredAfterSeconds,
    bool Reached);

/// <summary>A discipline in a drill: how many were reached and how soon its first answer came (null: none).</summary>
public sealed record DrillDisciplineDto(Discipline Discipline, int Recipients, int Reached, double? FirstAnswerSeconds);
