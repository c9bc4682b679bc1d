namespace AlertHub.Privacy;

/// <summary>
/// One line of the audit log (R10): who viewed or changed which alert, evaluation or person, when and from
/// where. Ids and codes only: no names, phone numbers, notes or other free text, so the log itself needs no
/// retention purge of its contents. Append-only: <see cref="AuditInterceptor"/> refuses changes and deletions,
/// and database triggers (migration PrivacyAudit) refuse UPDATE and DELETE from anywhere else.
/// </summary>
internal sealed class AuditEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required DateTimeOffset At { get; set; }

    /// <summary>The person who acted; null for the system (retention purge).</summary>
    public Guid? ActorId { get; set; }

    /// <summary>The actor's role at that moment (a <see cref="Client.PersonRole"/> name), or <c>system</c>.</summary>
    public string? ActorRole { get; set; }
    public required string Action { get; set; }
    public required string SubjectType { get; set; }

    /// <summary>The alert, evaluation or person; null when the action is about many (a list, an import).</summary>
    public Guid? SubjectId { get; set; }

    /// <summary>The subject's region (or the actor's, for lists): lets a region's DPO get its own part.</summary>
    public string? RegionId { get; set; }

    /// <summary>"From where": the client's address as Kestrel saw it.</summary>
    public string? RemoteIp { get; set; }

    /// <summary>The channel: <c>http</c>, <c>hub</c>, <c>sms</c> (a reply via Twilio) or <c>system</c>.</summary>
    public string? Via { get; set; }
}

/// <summary>What can appear in <see cref="AuditEntry.Action"/>. Views are written after success; changes in the same SaveChanges.</summary>
internal sealed record AuditAction(string Name, string SubjectType, bool IsChange)
{
    public static readonly AuditAction AlertViewed = new("alert.viewed", Subjects.Alert, false);
    public static readonly AuditAction AlertsListed = new("alert.listed", Subjects.Alert, false);
    public static readonly AuditAction AlertRaised = new("alert.raised", Subjects.Alert, true);
    public static readonly AuditAction AlertAcknowledged = new("alert.acknowledged", Subjects.Alert, true);
    public static readonly AuditAction AlertUpdated = new("alert.updated", Subjects.Alert, true);
    public static readonly AuditAction AlertResolved = new("alert.resolved", Subjects.Alert, true);
    public static readonly AuditAction AlertCancelled = new("alert.cancelled", Subjects.Alert, true);
    public static readonly AuditAction AlertKindChanged = new("alert.kind_changed", Subjects.Alert, true);
    public static readonly AuditAction AlertContactsViewed = new("alert.contacts_viewed", Subjects.Alert, false);
    public static readonly AuditAction AlertPurged = new("alert.purged", Subjects.Alert, true);
    /// <summary>Issue 17: an <c>ALARM</c> SMS from a known number with a wrong code, or while its code is locked.</summary>
    public static readonly AuditAction SmsTriggerRefused = new("alert.sms_trigger_refused", Subjects.Person, true);
    public static readonly AuditAction AlarmCodeSet = new("person.alarm_code_set", Subjects.Person, true);

    public static readonly AuditAction EvaluationViewed = new("evaluation.viewed", Subjects.Evaluation, false);
    public static readonly AuditAction EvaluationsListed = new("evaluation.listed", Subjects.Evaluation, false);
    public static readonly AuditAction EvaluationChanged = new("evaluation.changed", Subjects.Evaluation, true);
    public static readonly AuditAction EvaluationClosed = new("evaluation.closed", Subjects.Evaluation, true);
    public static readonly AuditAction EvaluationExported = new("evaluation.exported", Subjects.Evaluation, false);

    public static readonly AuditAction PersonViewed = new("person.viewed", Subjects.Person, false);
    public static readonly AuditAction PeopleListed = new("person.listed", Subjects.Person, false);
    public static readonly AuditAction PersonCreated = new("person.created", Subjects.Person, true);
    public static readonly AuditAction PersonChanged = new("person.changed", Subjects.Person, true);
    public static readonly AuditAction PersonExported = new("person.exported", Subjects.Person, false);
    public static readonly AuditAction FlaggedNumbersListed = new("person.flagged_listed", Subjects.Person, false);
    public static readonly AuditAction DirectoryImported = new("import", Subjects.Directory, true);

    public static readonly AuditAction DevicesListed = new("device.listed", Subjects.Person, false);
    public static readonly AuditAction DeviceEnded = new("device.ended", Subjects.Device, true);
    public static readonly AuditAction PersonSessionsEnded = new("person.sessions_ended", Subjects.Person, true);

    public static readonly AuditAction ApiClientCreated = new("apiclient.created", Subjects.ApiClient, true);
    public static readonly AuditAction ApiClientRevoked = new("apiclient.revoked", Subjects.ApiClient, true);
    public static readonly AuditAction ApiClientToken = new("apiclient.token", Subjects.ApiClient, true);
    public static readonly AuditAction WebhookChanged = new("webhook.changed", Subjects.Webhook, true);
    public static readonly AuditAction WebhookDeliveriesListed = new("webhook.deliveries_listed", Subjects.Webhook, false);
    public static readonly AuditAction WebhookResent = new("webhook.resent", Subjects.Webhook, true);

    public static readonly AuditAction AuditViewed = new("audit.viewed", Subjects.Audit, false);
    public static readonly AuditAction AuditExported = new("audit.exported", Subjects.Audit, false);

    public static class Subjects
    {
        public const string Alert = "alert";
        public const string Evaluation = "evaluation";
        public const string Person = "person";
        public const string Directory = "directory";
        public const string Audit = "audit";

        /// <summary>A trusted device (<see cref="Accounts.DeviceSession"/>); its region is its owner's.</summary>
        public const string Device = "device";

        /// <summary>A partner system's <see cref="Partners.ApiClient"/>; its region is its organisation's.</summary>
        public const string ApiClient = "api-client";

        /// <summary>An organisation's webhook or one of its deliveries.</summary>
        public const string Webhook = "webhook";
    }
}

internal sealed record AuditEntryDto(
    Guid Id, DateTimeOffset At, Guid? ActorId, string? ActorRole, string Action, string SubjectType, Guid? SubjectId,
    string? RegionId, string? RemoteIp, string? Via)
{
    public static AuditEntryDto From(AuditEntry e) =>
        new(e.Id, e.At, e.ActorId, e.ActorRole, e.Action, e.SubjectType, e.SubjectId, e.RegionId, e.RemoteIp, e.Via);
}
