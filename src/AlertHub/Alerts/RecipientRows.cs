using AlertHub.Infrastructure.Data;

namespace AlertHub.Alerts;

/// <summary>
/// The recipients of the new alerts of a group commit, written as rows in the group's transaction right after the
/// alerts (<see cref="RowInserts"/>) instead of as about 25 tracked entities a raise (issue 16). They stay in their
/// alert's <see cref="Alert.Recipients"/>, which is what the push is built from; the steps that look for new
/// recipients (<see cref="Delivery.WebPush.WebPushStaging"/>) ask <see cref="Pending"/> too.
/// </summary>
internal sealed class RecipientRows : ISaveChangesStep
{
    private readonly List<Recipient> _pending = [];

    /// <summary>Before the version step, which holds its counter row from its update to the commit.</summary>
    public int Order => -20;

    /// <summary>New recipients of new alerts that this save writes as rows (untracked).</summary>
    public IReadOnlyList<Recipient> Pending => _pending;

    public void Add(IEnumerable<Recipient> recipients) => _pending.AddRange(recipients);

    public ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct) => ValueTask.FromResult(_pending.Count > 0);

    public ValueTask InTransactionAsync(AlertHubDbContext db, CancellationToken ct) => new(RowInserts.InsertAsync(db, _pending, ct));

    public void AfterCommit() => _pending.Clear();

    // A failed group is written again unit by unit, each in a new scope that adds its own recipients again.
    public void Discard(AlertHubDbContext db) => _pending.Clear();
}
