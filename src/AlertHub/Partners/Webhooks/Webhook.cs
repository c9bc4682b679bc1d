namespace AlertHub.Partners.Webhooks;

/// <summary>
/// R16: where an organisation's system hears of the alerts of its region: one HTTPS address per organisation,
/// signed with a secret of its own (kept encrypted with the hub's Data Protection keys, because signing needs it).
/// </summary>
internal sealed class WebhookEndpoint
{
    public required string OrganisationId { get; set; }
    public required string Url { get; set; }

    /// <summary>The signing secret, protected by Data Protection (<see cref="WebhookSecrets"/>).</summary>
    public required string ProtectedSecret { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// One event for one organisation, written in the transaction that changed the alert (STYLE 15) and sent by
/// its <c>webhook-send</c> job with retries; after <see cref="WebhookOptions.MaxAttempts"/> failures it is
/// <see cref="WebhookDeliveryState.Dead"/> and waits in the dead-letter view until someone sends it again.
/// </summary>
internal sealed class WebhookDelivery
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string OrganisationId { get; set; }
    public required Guid AlertId { get; set; }
    public required string Event { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public WebhookDeliveryState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
}

internal enum WebhookDeliveryState
{
    Pending,
    Delivered,
    Dead,
}

internal static class WebhookEvents
{
    public const string Raised = "alert.raised";
    public const string Updated = "alert.updated";
    public const string Closed = "alert.closed";
}
