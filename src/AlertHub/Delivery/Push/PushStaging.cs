using AlertHub.Alerts;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.Push;

/// <summary>
/// STYLE 15, for pushes: every save that changes an alert writes its push row in the same transaction
/// (what changed decides the kind and who hears it: <see cref="AlertVersions"/>); rows a feature adds itself
/// (EvaluationDue) are claimed the same way; after the commit the rows go to the <see cref="PushDispatcher"/>.
/// No handler stages or flushes anything.
/// </summary>
internal sealed class PushStaging(AlertVersions versions, PushDispatcher dispatcher, TimeProvider time, IOptions<OutboxOptions> options)
    : ISaveChangesStep
{
    private readonly List<PushMessage> _derived = [];
    private readonly List<Guid> _staged = [];
    private readonly List<(PushMessage Row, Alert Alert)> _raised = [];
    private readonly List<(PushMessage Row, AlertChange Change)> _recipientsOnly = [];

    public int Order => 10;

    public ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct)
    {
        Discard(db);
        var now = time.Now();
        foreach (var change in versions.Changes)
        {
            var message = new PushMessage
            {
                AlertId = change.AlertId,
                Kind = change.Raised ? PushKind.Raised : PushKind.Updated,
                Everyone = change.Raised || change.Everyone,
                NewlyAdded = change.NewlyAdded.Count > 0 ? string.Join(',', change.NewlyAdded) : null,
                CreatedAt = now,
            };
            db.PushMessages.Add(message);
            _derived.Add(message);
            if (!change.Raised && !change.Everyone && change.NewlyAdded.Count == 0)
            {
                _recipientsOnly.Add((message, change)); // a delta, once the transaction has read the version
            }
            if (change.Raised && db.ChangeTracker.Entries<Alert>().FirstOrDefault(e => e.Entity.Id == change.AlertId)?.Entity is { } alert)
            {
                _raised.Add((message, alert));
            }
        }
        var claimUntil = now + options.Value.RelayAfter;
        foreach (var entry in db.ChangeTracker.Entries<PushMessage>().Where(e => e.State == EntityState.Added))
        {
            entry.Entity.ClaimedBy ??= dispatcher.NodeName;
            entry.Entity.ClaimedUntil ??= claimUntil;
            _staged.Add(entry.Entity.Id);
        }
        return ValueTask.FromResult(false);
    }

    public ValueTask InTransactionAsync(AlertHubDbContext db, CancellationToken ct) => ValueTask.CompletedTask;

    public void AfterCommit()
    {
        // A new alert is wholly in memory here (its rows were all just written): its push needs no read back.
        foreach (var (row, alert) in _raised)
        {
            dispatcher.Prebuilt(row, alert.ToDto());
        }
        // Receipts and SMS states: the followers get the changed recipients as committed, with the version read back.
        foreach (var (row, change) in _recipientsOnly.Where(c => c.Change.IsRecipientsOnly))
        {
            var version = change.Version!.Value;
            dispatcher.PrebuiltDelta(row, change.RegionId!,
                new Client.RecipientsChangedDto(change.AlertId, version - 1, version, change.ChangedRecipients.Distinct().Select(r => r.ToDto()).ToList()));
        }
        dispatcher.Enqueue(_staged);
        _staged.Clear();
        _derived.Clear();
        _raised.Clear();
        _recipientsOnly.Clear();
    }

    /// <summary>A failed save leaves its rows tracked as Added; the derived ones are made again by the next save.</summary>
    public void Discard(AlertHubDbContext db)
    {
        db.DetachAdded(_derived);
        _derived.Clear();
        _staged.Clear();
        _raised.Clear();
        _recipientsOnly.Clear();
    }
}
