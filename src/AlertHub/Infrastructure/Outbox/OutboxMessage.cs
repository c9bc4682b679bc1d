namespace AlertHub.Infrastructure.Outbox;

/// <summary>
/// A push that must happen, written in the same transaction as the change it announces. The node
/// that made the change pushes it at once; if that node dies first, any node relays it.
/// </summary>
internal sealed class OutboxMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required Guid AlertId { get; set; }
    public required OutboxKind Kind { get; set; }

    /// <summary>False: only the region's coordinators and team leads (receipts, SMS states).</summary>
    public bool Everyone { get; set; } = true;

    /// <summary>People told with AlertRaised although the alert is not new (escalation), comma-separated.</summary>
    public string? NewlyAdded { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
    public int Attempts { get; set; }
}

internal enum OutboxKind
{
    Raised,
    Updated,
}
