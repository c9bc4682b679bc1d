using AlertHub.Accounts;
using AlertHub.Alerts;
using AlertHub.Evaluations;
using AlertHub.Infrastructure.Data;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AlertHub.Privacy;

/// <summary>
/// The audit entries of changes still to be written, per DbContext (so per request or hub call). The
/// <see cref="AuditInterceptor"/> adds them to the handler's own SaveChanges: a change and its audit entry
/// are committed together or not at all.
/// </summary>
internal sealed class AuditTrail
{
    private readonly List<Pending> _pending = [];

    public Pending Stage(AuditEntry entry)
    {
        var pending = new Pending(entry);
        _pending.Add(pending);
        return pending;
    }

    public void Remove(Pending pending) => _pending.Remove(pending);

    internal IEnumerable<Pending> Unsaved => _pending.Where(p => !p.Added);

    internal IEnumerable<Pending> All => _pending;

    internal sealed class Pending(AuditEntry entry)
    {
        public AuditEntry Entry { get; } = entry;

        /// <summary>Handed to a SaveChanges (which may still fail).</summary>
        public bool Added { get; set; }

        /// <summary>That SaveChanges succeeded (its transaction, if any, may still roll back, and the entry with it).</summary>
        public bool Saved { get; set; }
    }
}

/// <summary>
/// Keeps the audit log append-only for everything that goes through EF's change tracker, and writes the staged
/// entries of changes into the SaveChanges that stores the change.
/// </summary>
internal sealed class AuditInterceptor : SaveChangesInterceptor
{
    public static readonly AuditInterceptor Instance = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Prepare(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Prepare(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        MarkSaved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        MarkSaved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Prepare(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        // A property set on a loaded entry is seen here: Entries() detects changes, or with auto-detect off
        // AlertHubDbContext.SaveChangesAsync has just done so.
        if (context.ChangeTracker.Entries<AuditEntry>().Any(e => e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new AuditLogAppendOnlyException();
        }
        if (context is not AlertHubDbContext { AuditTrail: var trail })
        {
            return;
        }
        foreach (var pending in trail.Unsaved.ToList())
        {
            var entry = pending.Entry;
            var (subjectId, regionId) = AuditSubjects.FromTracker(context.ChangeTracker, entry.SubjectType, entry.SubjectId);
            entry.SubjectId = subjectId;
            entry.RegionId = regionId ?? entry.RegionId;
            context.Add(entry);
            pending.Added = true;
        }
    }

    private static void MarkSaved(DbContext? context)
    {
        if (context is AlertHubDbContext { AuditTrail: var trail })
        {
            foreach (var pending in trail.All.Where(p => p.Added))
            {
                pending.Saved = true;
            }
        }
    }
}

internal sealed class AuditLogAppendOnlyException()
    : InvalidOperationException("Het auditlog is alleen-toevoegen: regels kunnen niet worden gewijzigd of verwijderd.");

/// <summary>Finds an audit subject's id and region, without extra queries where the handler already loaded it.</summary>
internal static class AuditSubjects
{
    /// <summary>
    /// The subject as the handler tracks it: by id, or (when the message creates it) the one entity of that type
    /// being added. Gives back the id given and no region when the subject is not tracked.
    /// </summary>
    public static (Guid? SubjectId, string? RegionId) FromTracker(ChangeTracker tracker, string subjectType, Guid? subjectId) =>
        subjectType switch
        {
            AuditAction.Subjects.Alert => Find(tracker, subjectId, (Alert a) => a.Id, a => a.RegionId),
            AuditAction.Subjects.Evaluation => Find(tracker, subjectId, (Evaluation e) => e.Id, e => e.RegionId),
            AuditAction.Subjects.Person => Find(tracker, subjectId, (Person p) => p.Id, p => p.RegionId),
            AuditAction.Subjects.Device => Find(tracker, subjectId, (DeviceSession d) => d.Id,
                d => tracker.Entries<Person>().Select(e => e.Entity).FirstOrDefault(p => p.Id == d.PersonId)?.RegionId),
            AuditAction.Subjects.ApiClient => Find(tracker, subjectId, (Partners.ApiClient c) => c.Id, c => c.RegionId),
            _ => (subjectId, null),
        };

    /// <summary>For views, after the handler: the subject's region from the database.</summary>
    public static async Task<string?> RegionAsync(AlertHubDbContext db, string subjectType, Guid id, CancellationToken ct) => subjectType switch
    {
        AuditAction.Subjects.Alert => await db.Alerts.Where(a => a.Id == id).Select(a => a.RegionId).FirstOrDefaultAsync(ct),
        AuditAction.Subjects.Evaluation => await db.Evaluations.Where(e => e.Id == id).Select(e => e.RegionId).FirstOrDefaultAsync(ct),
        AuditAction.Subjects.Person => await db.People.Where(p => p.Id == id).Select(p => p.RegionId).FirstOrDefaultAsync(ct),
        AuditAction.Subjects.ApiClient => await db.ApiClients.Where(c => c.Id == id).Select(c => c.RegionId).FirstOrDefaultAsync(ct),
        _ => null,
    };

    private static (Guid?, string?) Find<T>(ChangeTracker tracker, Guid? id, Func<T, Guid> idOf, Func<T, string?> regionOf) where T : class
    {
        var entries = tracker.Entries<T>();
        var entity = id is { } wanted
            ? entries.Select(e => e.Entity).FirstOrDefault(e => idOf(e) == wanted)
            : entries.Where(e => e.State == EntityState.Added).Select(e => e.Entity).Take(2).ToList() is [var only] ? only : null;
        return entity is null ? (id, null) : (idOf(entity), regionOf(entity));
    }
}
