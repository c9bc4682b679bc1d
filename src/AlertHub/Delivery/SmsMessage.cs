namespace AlertHub.Delivery;

/// <summary>
/// One SMS we send. The row is written *before* the provider is called, with a unique
/// (RecipientId, Purpose), so two nodes or a retried job can never send the same SMS twice.
/// </summary>
internal sealed class SmsMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid? AlertId { get; set; }
    public Guid? RecipientId { get; set; }
    public Guid? PersonId { get; set; }
    public required string Purpose { get; set; }
    public required string To { get; set; }
    public required string Body { get; set; }
    public SmsStatus Status { get; set; } = SmsStatus.Sending;
    public string? ProviderSid { get; set; }
    public string? ErrorCode { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public bool IsFinal => Status is SmsStatus.Delivered or SmsStatus.Failed or SmsStatus.Undelivered or SmsStatus.Uncertain;
}

internal static class SmsPurposes
{
    public const string Fallback = "fallback";
    public const string Escalation = "escalation";
    public const string Evaluation = "evaluation";
}

internal enum SmsStatus
{
    /// <summary>Row written, provider not (yet) answered.</summary>
    Sending,
    /// <summary>Nothing reached the provider (circuit open, connection refused, rate limited): safe to try again.</summary>
    NotSent,
    Queued,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    /// <summary>The provider may or may not have accepted it (5xx, timeout): never re-sent automatically.</summary>
    Uncertain,
}
