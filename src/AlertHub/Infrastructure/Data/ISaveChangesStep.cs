namespace AlertHub.Infrastructure.Data;

/// <summary>
/// STYLE 15: a feature's part in every SaveChanges, so no handler has to remember it. Before the rows are
/// written a step adds the rows that belong to the change (a push is a row, written in the transaction that
/// decided it); inside the same transaction it finishes what needs the written rows (versions, commit order);
/// after the commit it hands the committed rows to their senders.
/// </summary>
internal interface ISaveChangesStep
{
    /// <summary>Lower runs first.</summary>
    int Order { get; }

    /// <returns>True when the step has work inside the transaction (the save then gets its own transaction).</returns>
    ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct);

    ValueTask InTransactionAsync(AlertHubDbContext db, CancellationToken ct);

    /// <summary>The transaction committed (also called when the save ran inside a caller's transaction, right after the save).</summary>
    void AfterCommit();

    /// <summary>The save failed and was rolled back: forget what was prepared.</summary>
    void Discard(AlertHubDbContext db);
}

internal static class SaveChangesSteps
{
    /// <summary>A failed save leaves the rows a step derived tracked as Added: they are dropped, the next save derives them again.</summary>
    public static void DetachAdded(this AlertHubDbContext db, IEnumerable<object> rows)
    {
        foreach (var row in rows)
        {
            var entry = db.Entry(row);
            if (entry.State == Microsoft.EntityFrameworkCore.EntityState.Added)
            {
                entry.State = Microsoft.EntityFrameworkCore.EntityState.Detached;
            }
        }
    }
}

/// <summary>A single row holding the position of the last change in commit order (see Alerts/AlertVersions).</summary>
internal sealed class ChangeCounter
{
    public int Id { get; set; }
    public long Value { get; set; }
}
