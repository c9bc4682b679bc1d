using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

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

    /// <summary>The recipients this save changed (tracked, so after the commit they hold what was committed).</summary>
    public List<Recipient> ChangedRecipients { get; } = [];

    /// <summary>For a change only to recipients, answers or updates: the version and region read back in the transaction.</summary>
    public long? Version { get; set; }

    public string? RegionId { get; set; }

    /// <summary>
    /// Issue 16: only receipts or SMS states, so the followers can be told with a <see cref="Client.RecipientsChangedDto"/>
    /// from <see cref="Version"/> − 1 to <see cref="Version"/> instead of the whole alert.
    /// </summary>
    public bool IsRecipientsOnly =>
        !Raised && !Everyone && !VersionWritten && NewlyAdded.Count == 0 && ChangedRecipients.Count > 0 && Version is not null && RegionId is not null;
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
                    var changed = Change(recipient.AlertId);
                    changed.Everyone |= entry.Property(nameof(Recipient.Response)).IsModified;
                    changed.ChangedRecipients.Add(recipient);
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
        var keys = new Dictionary<Guid, long>();
        foreach (var change in _changes.Values.Where(c => c.Raised || c.VersionWritten))
        {
            if (tracked.TryGetValue(change.AlertId, out var entry))
            {
                keys[change.AlertId] = entry.Entity.Sequence;
            }
        }
        var childOnly = _changes.Values.Where(c => !keys.ContainsKey(c.AlertId)).Select(c => c.AlertId).ToList();
        if (childOnly.Count > 0)
        {
            var bumped = _changes.Values.Where(c => !c.Raised && !c.VersionWritten).Select(c => c.AlertId).ToList();
            await db.Alerts.Where(a => bumped.Contains(a.Id)).ExecuteUpdateAsync(s => s.SetProperty(a => a.Version, a => a.Version + 1), ct);
            var rows = await db.Alerts.Where(a => childOnly.Contains(a.Id)).Select(a => new { a.Id, a.Sequence, a.Version, a.RegionId }).ToListAsync(ct);
            foreach (var row in rows)
            {
                keys[row.Id] = row.Sequence;
                var change = _changes[row.Id];
                change.Version = row.Version;
                change.RegionId = row.RegionId;
                SetTracked(tracked, row.Id, nameof(Alert.Version), row.Version);
            }
        }

        // Last: the counter row is held from here to the commit, as briefly as possible: two statements, whatever
        // the number of alerts (one per alert before; on PostgreSQL every statement is a round trip under the lock
        // the other nodes' commits wait for).
        var count = _changes.Count;
        var last = (await db.Database.SqlQueryRaw<long>(CounterSql, count).ToListAsync(ct)).Single();
        var seq = last - count;
        var positions = new List<(long Key, long At, bool Raised)>();
        foreach (var change in _changes.Values)
        {
            var at = ++seq;
            if (keys.TryGetValue(change.AlertId, out var key))
            {
                positions.Add((key, at, change.Raised));
            }
            if (change.Raised)
            {
                SetTracked(tracked, change.AlertId, nameof(Alert.RaiseOrder), at);
            }
            SetTracked(tracked, change.AlertId, nameof(Alert.ChangeSeq), at);
        }
        if (positions.Count > 0)
        {
            await db.Database.ExecuteSqlRawAsync(PositionsSql(db, positions), ct);
        }
    }

    private const string CounterSql = """
        UPDATE "ChangeCounters" SET "Value" = "Value" + {0} WHERE "Id" = 1 RETURNING "Value"
        """;

    /// <summary>
    /// One UPDATE that gives each alert its position (and a new one its raise order), keyed by the alerts' integer
    /// primary key. The numbers are the step's own longs, written as literals; names come from the model.
    /// </summary>
    private static string PositionsSql(AlertHubDbContext db, List<(long Key, long At, bool Raised)> positions)
    {
        var entity = db.Model.FindEntityType(typeof(Alert))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        string Column(string property) => "\"" + entity.FindProperty(property)!.GetColumnName(table) + "\"";
        var (key, changeSeq, raiseOrder) = (Column(nameof(Alert.Sequence)), Column(nameof(Alert.ChangeSeq)), Column(nameof(Alert.RaiseOrder)));
        static string N(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sql = new System.Text.StringBuilder();
        sql.Append("UPDATE \"").Append(table.Name).Append("\" SET ").Append(changeSeq).Append(" = CASE ").Append(key);
        foreach (var p in positions)
        {
            sql.Append(" WHEN ").Append(N(p.Key)).Append(" THEN ").Append(N(p.At));
        }
        sql.Append(" END");
        if (positions.Any(p => p.Raised))
        {
            sql.Append(", ").Append(raiseOrder).Append(" = CASE ").Append(key);
            foreach (var p in positions.Where(p => p.Raised))
            {
                sql.Append(" WHEN ").Append(N(p.Key)).Append(" THEN ").Append(N(p.At));
            }
            sql.Append(" ELSE ").Append(raiseOrder).Append(" END");
        }
        sql.Append(" WHERE ").Append(key).Append(" IN (").AppendJoin(", ", positions.Select(p => N(p.Key))).Append(')');
        return sql.ToString();
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
