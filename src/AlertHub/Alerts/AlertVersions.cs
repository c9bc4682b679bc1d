using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace AlertHub.Alerts;

/// <summary>What one save changed about one alert; the push pipeline turns it into a push row.</summary>
internal sealed class AlertChange(Guid alertId)
{
    public Guid AlertId { get; } = alertId;
    public bool Raised { get; set; }

    /// <summary>News for every recipient (an answer, an update, a decision); else only for the followers.</summary>
    public bool Everyone { get; set; }

    /// <summary>The alert row itself is written by this save with its version raised (and checked).</summary>
    public bool VersionWritten { get; set; }
    public HashSet<Guid> NewlyAdded { get; } = [];
}

/// <summary>
/// CONTRACT v2 versions and the change feed's order, for every save that touches an alert:
/// <list type="bullet">
/// <item>Version: +1 per save. When the alert row itself changes (a decision) the old version is the
/// concurrency token, so a second concurrent resolve fails instead of overwriting; a change only to its
/// recipients, answers or updates raises it atomically in the database, so a burst of receipts never
/// conflicts.</item>
/// <item>ChangeSeq: the position of the change in commit order. It is drawn from one counter row as the
/// last step before the commit; the row stays locked until the commit, so a transaction that draws n+1
/// commits after the one that drew n (on SQLite writers are serialised anyway). A reader that has seen n
/// can therefore ask for "after n" and never skip a slow commit.</item>
/// </list>
/// </summary>
internal sealed class AlertVersions : ISaveChangesStep
{
    private readonly Dictionary<Guid, AlertChange> _changes = [];

    public int Order => 0;

    /// <summary>The alerts the current save changes (valid between BeforeSave and AfterCommit).</summary>
    public IReadOnlyCollection<AlertChange> Changes => _changes.Values;

    public ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct)
    {
        _changes.Clear();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            switch (entry.Entity)
            {
                case Alert alert when entry.State == EntityState.Added:
                    alert.Version = 1;
                    Change(alert.Id).Raised = true;
                    break;
                case Alert alert when entry.State == EntityState.Modified:
                    var version = entry.Property(nameof(Alert.Version));
                    if (!version.IsModified)
                    {
                        alert.Version = (long)version.OriginalValue! + 1;
                    }
                    var change = Change(alert.Id);
                    change.VersionWritten = true;
                    change.Everyone = true;
                    break;
                case Recipient recipient when entry.State == EntityState.Added:
                    var added = Change(recipient.AlertId);
                    added.NewlyAdded.Add(recipient.PersonId);
                    added.Everyone = true;
                    break;
                case Recipient recipient when entry.State == EntityState.Modified:
                    // An answer is news for everyone; a receipt or an SMS state only for the followers.
                    Change(recipient.AlertId).Everyone |= entry.Property(nameof(Recipient.Response)).IsModified;
                    break;
                case AlertUpdate update when entry.State == EntityState.Added:
                    Change(update.AlertId).Everyone = true;
                    break;
                case Acknowledgement answer when entry.State == EntityState.Added:
                    Change(answer.AlertId).Everyone = true;
                    break;
            }
        }
        foreach (var change in _changes.Values.Where(c => c.Raised))
        {
            change.NewlyAdded.Clear(); // everyone hears of a new alert with AlertRaised anyway
        }
        return ValueTask.FromResult(_changes.Count > 0);
    }

    public async ValueTask InTransactionAsync(AlertHubDbContext db, CancellationToken ct)
    {
        if (_changes.Count == 0)
        {
            return;
        }
        // The tracked alerts by id, once: a group commit holds hundreds of rows (issue 16).
        var tracked = db.ChangeTracker.Entries<Alert>().ToDictionary(e => e.Entity.Id);
        var childOnly = _changes.Values.Where(c => !c.Raised && !c.VersionWritten).Select(c => c.AlertId).ToList();
        if (childOnly.Count > 0)
        {
            await db.Alerts.Where(a => childOnly.Contains(a.Id)).ExecuteUpdateAsync(s => s.SetProperty(a => a.Version, a => a.Version + 1), ct);
            var versions = await db.Alerts.Where(a => childOnly.Contains(a.Id)).Select(a => new { a.Id, a.Version }).ToListAsync(ct);
            foreach (var row in versions)
            {
                SetTracked(tracked, row.Id, nameof(Alert.Version), row.Version);
            }
        }

        // Last: the counter row is held from here to the commit, as briefly as possible.
        var count = _changes.Count;
        await db.ChangeCounters.Where(c => c.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(c => c.Value, c => c.Value + count), ct);
        var last = await db.ChangeCounters.Where(c => c.Id == 1).Select(c => c.Value).SingleAsync(ct);
        var seq = last - count;
        foreach (var change in _changes.Values)
        {
            var at = ++seq;
            var id = change.AlertId;
            if (change.Raised)
            {
                await db.Alerts.Where(a => a.Id == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.ChangeSeq, at).SetProperty(a => a.RaiseOrder, at), ct);
                SetTracked(tracked, id, nameof(Alert.RaiseOrder), at);
            }
            else
            {
                await db.Alerts.Where(a => a.Id == id).ExecuteUpdateAsync(s => s.SetProperty(a => a.ChangeSeq, at), ct);
            }
            SetTracked(tracked, id, nameof(Alert.ChangeSeq), at);
        }
    }

    public void AfterCommit()
    {
    }

    public void Discard(AlertHubDbContext db) => _changes.Clear();

    private AlertChange Change(Guid alertId)
    {
        if (!_changes.TryGetValue(alertId, out var change))
        {
            _changes[alertId] = change = new AlertChange(alertId);
        }
        return change;
    }

    /// <summary>Brings a tracked alert up to date with a value the database set, without marking it changed.</summary>
    private static void SetTracked(Dictionary<Guid, EntityEntry<Alert>> tracked, Guid alertId, string property, long value)
    {
        if (!tracked.TryGetValue(alertId, out var entry))
        {
            return;
        }
        PropertyEntry p = entry.Property(property);
        p.CurrentValue = value;
        p.OriginalValue = value;
        p.IsModified = false;
    }
}
