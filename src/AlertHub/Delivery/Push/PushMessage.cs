namespace AlertHub.Delivery.Push;

/// <summary>
/// A push that must happen, written in the same transaction as the change it announces (table
/// OutboxMessages). The node that made the change claims it for <c>Outbox:RelayAfter</c> and pushes it at
/// once; when that claim runs out undispatched (the node died, Redis was away, the publish timed out) any
/// node relays it.
/// </summary>
internal sealed class PushMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required Guid AlertId { get; set; }
    public required PushKind Kind { get; set; }

    /// <summary>Set for <see cref="PushKind.EvaluationDue"/>.</summary>
    public Guid? EvaluationId { get; set; }

    /// <summary>False: only the alert's followers (receipts, SMS states); a change to one recipient is not news for every partner.</summary>
    public bool Everyone { get; set; } = true;

    /// <summary>People told with AlertRaised although the alert is not new (escalation), comma-separated.</summary>
    public string? NewlyAdded { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
    public int Attempts { get; set; }

    public IEnumerable<Guid> NewlyAddedIds =>
        NewlyAdded?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse) ?? [];
}

/// <summary>Stored by name (the column was written by v1 as Raised/Updated).</summary>
internal enum PushKind
{
    Raised,
    Updated,
    EvaluationDue,
}
