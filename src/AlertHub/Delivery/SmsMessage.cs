namespace AlertHub.Delivery;

/// <summary>
/// One SMS we send. The row is written in the transaction that decided it (the fallback round, the escalation,
/// the evaluation falling due) as <see cref="SmsStatus.Pending"/>, with its <c>sms-send</c> job; a unique
/// (RecipientId, Purpose) makes a second row for the same recipient impossible. See <see cref="SmsSendJob"/>.
/// </summary>
internal sealed class SmsMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid? AlertId { get; set; }
    public Guid? RecipientId { get; set; }
    public Guid? PersonId { get; set; }
    public Guid? EvaluationId { get; set; }
    public required string Purpose { get; set; }
    public required string To { get; set; }
    public required string Body { get; set; }
    public SmsStatus Status { get; set; } = SmsStatus.Pending;
    public string? ProviderSid { get; set; }
    public string? ErrorCode { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the provider first accepted it (a drill report's "texted", issue 17).</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>The provider's final word (a status callback or what reconciliation found): never left again.</summary>
    public bool IsFinal => Status is SmsStatus.Delivered or SmsStatus.Failed or SmsStatus.Undelivered;

    /// <summary>Waiting for the provider or for a retry: the sms-send job still owns it.</summary>
    public bool IsOpen => Status is SmsStatus.Pending or SmsStatus.Sending or SmsStatus.NotSent or SmsStatus.Uncertain;
}

internal static class SmsPurposes
{
    public const string Fallback = "fallback";
    public const string Escalation = "escalation";
    public const string Evaluation = "evaluation";
}

/// <summary>Pending → Sending → Sent | Uncertain | NotSent | Failed; then the callbacks: Delivered | Undelivered | Failed.</summary>
internal enum SmsStatus
{
    /// <summary>The provider was called and has not answered (or the node died waiting): reconciled before any resend.</summary>
    Sending,
    /// <summary>Nothing reached the provider (circuit open, connection refused, still rate limited): sent again with backoff.</summary>
    NotSent,
    Queued,
    /// <summary>The provider accepted it and gave its sid.</summary>
    Sent,
    Delivered,
    Undelivered,
    /// <summary>Refused by the provider when sent (a 4xx with a code) or failed later (status callback).</summary>
    Failed,
    /// <summary>The provider may or may not have accepted it (5xx, timeout): looked up in its Messages list, never sent blind.</summary>
    Uncertain,
    /// <summary>Decided, not yet handed to the provider.</summary>
    Pending,
    /// <summary>No longer needed before it went out: the alert was answered or closed, the evaluation closed.</summary>
    Cancelled,
}

/// <summary>
/// A status callback for a sid no row holds yet (Twilio called back before the send was recorded, or the send is
/// uncertain until reconciliation): kept, and applied when the sid arrives.
/// </summary>
internal sealed class SmsStatusCallback
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string MessageSid { get; set; }
    public required string MessageStatus { get; set; }
    public string? ErrorCode { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>An inbound SMS we acted on, by Twilio's MessageSid: a replay (Twilio retries, a copied request) gets the same answer and changes nothing.</summary>
internal sealed class InboundSms
{
    public required string MessageSid { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public string? Reply { get; set; }
}
