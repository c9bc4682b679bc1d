namespace AlertHub.Infrastructure.Scheduling;

/// <summary>
/// A timer kept as a row: written in the same transaction as what caused it, claimed by exactly one
/// node when due (a lease, so a node that dies mid-work hands it on), completed once.
/// </summary>
internal sealed class ScheduledJob
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Kind { get; set; }
    public required Guid SubjectId { get; set; }
    public required DateTimeOffset DueAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
}

internal static class JobKinds
{
    public const string SmsFallback = "sms-fallback";
    public const string Escalation = "escalation";
    public const string EvaluationDue = "evaluation-due";
    public const string EvaluationReminder = "evaluation-reminder";
    public const string PrivacyPurge = "privacy-purge";
    public const string TwilioRedaction = "twilio-redact";
    public const string SmsSend = "sms-send";
    public const string SmsCallbackMatch = "sms-callback-match";
    public const string WebPushSend = "webpush-send";
    public const string WebPushRepeat = "webpush-repeat";
    public const string WebhookSend = "webhook-send";
}

/// <summary>Does the work of one kind of job. Throwing means "try again later"; returning means done.</summary>
internal interface IJobHandler
{
    string Kind { get; }

    /// <summary>How long a claim of this kind holds at least (work that waits on a provider needs longer than the default).</summary>
    TimeSpan? Lease => null;

    /// <returns>Null when done, or a later moment to run again (e.g. waiting for the hotline to open).</returns>
    Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct);
}
