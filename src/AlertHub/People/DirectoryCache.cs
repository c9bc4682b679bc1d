using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>
/// The directory as routing needs it (issue 16): schools with their region, the active people of each region with
/// their organisation, the schools' fixed contacts and the roster. Read-only: it is shared by every request of the
/// node, so nothing in it may be changed or attached to a DbContext.
/// </summary>
internal sealed class DirectorySnapshot
{
    private DirectorySnapshot(long version, List<School> schools, List<Person> people, List<SchoolContact> contacts, List<RosterEntry> roster)
    {
        Version = version;
        Schools = schools.ToDictionary(s => s.Id, StringComparer.Ordinal);
        ActiveById = people.Where(p => p.Active).ToDictionary(p => p.Id);
        ActiveByRegion = people.Where(p => p.Active && p.RegionId is not null).ToLookup(p => p.RegionId!, StringComparer.Ordinal);
        ContactsBySchool = contacts.ToLookup(c => c.SchoolId, c => c.PersonId, StringComparer.Ordinal);
        RosterByRegion = roster.ToLookup(r => r.RegionId, StringComparer.Ordinal);
    }

    /// <summary>The directory version it was read at (or after): see <see cref="DirectoryCache"/>.</summary>
    public long Version { get; }

    public IReadOnlyDictionary<string, School> Schools { get; }

    public ILookup<string, Person> ActiveByRegion { get; }

    /// <summary>Every active person (also those of no region, such as an admin): the callers of a scope (<see cref="Infrastructure.Security.Callers"/>).</summary>
    public IReadOnlyDictionary<Guid, Person> ActiveById { get; }

    public ILookup<string, Guid> ContactsBySchool { get; }

    public ILookup<string, RosterEntry> RosterByRegion { get; }

    /// <summary>The version is read first, the rows after it: the rows are at least as new as the version says.</summary>
    public static async Task<DirectorySnapshot> LoadAsync(AlertHubDbContext db, long version, CancellationToken ct)
    {
        var schools = await db.Schools.AsNoTracking().Include(s => s.Region).ToListAsync(ct);
        var people = await db.People.AsNoTracking().Include(p => p.Organisation).Where(p => p.Active).ToListAsync(ct);
        var contacts = await db.SchoolContacts.AsNoTracking().ToListAsync(ct);
        var roster = await db.RosterEntries.AsNoTracking().ToListAsync(ct);
        return new DirectorySnapshot(version, schools, people, contacts, roster);
    }
}

/// <summary>
/// Routing from memory instead of five queries per raise and one per push (issue 16). Every save that changes the
/// directory raises a version counter in its own transaction (<see cref="DirectoryVersionStep"/>); a reader asks
/// for the version (one primary-key read) and reloads the snapshot only when it moved. So a change made on any node
/// is routed by the next raise on every node, and nothing depends on a timer or a message between nodes.
/// </summary>
internal sealed class DirectoryCache
{
    /// <summary>The ChangeCounters row that holds the directory version (row 1 is the alerts' change feed).</summary>
    public const int CounterId = 2;

    private readonly SemaphoreSlim _loading = new(1, 1);
    private DirectorySnapshot? _current;

    public async Task<DirectorySnapshot> CurrentAsync(AlertHubDbContext db, CancellationToken ct)
    {
        var version = await db.ChangeCounters.AsNoTracking().Where(c => c.Id == CounterId).Select(c => (long?)c.Value).SingleOrDefaultAsync(ct);
        if (version is null)
        {
            // A database without the row (not migrated yet): read it every time, cache nothing.
            return await DirectorySnapshot.LoadAsync(db, -1, ct);
        }
        if (Volatile.Read(ref _current) is { } current && current.Version == version)
        {
            return current;
        }
        await _loading.WaitAsync(ct);
        try
        {
            if (Volatile.Read(ref _current) is { } loaded && loaded.Version >= version)
            {
                // Loaded meanwhile, at this version or a newer one (its rows are newer still): both are current enough.
                return loaded;
            }
            var snapshot = await DirectorySnapshot.LoadAsync(db, version.Value, ct);
            Volatile.Write(ref _current, snapshot);
            return snapshot;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>For writes that bypass the change tracker (ExecuteDelete): call inside the same transaction.</summary>
    public static Task BumpAsync(AlertHubDbContext db, CancellationToken ct) =>
        db.ChangeCounters.Where(c => c.Id == CounterId).ExecuteUpdateAsync(s => s.SetProperty(c => c.Value, c => c.Value + 1), ct);
}

/// <summary>Raises the directory version in the transaction of every save that adds, changes or removes directory rows.</summary>
internal sealed class DirectoryVersionStep : ISaveChangesStep
{
    private bool _changed;

    // Before the alerts' version step, which holds its counter row from its update to the commit.
    public int Order => -10;

    public ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct)
    {
        _changed = db.ChangeTracker.Entries().Any(e =>
            e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted
            && e.Entity is Person or School or SchoolContact or RosterEntry or Organisation or Region);
        return ValueTask.FromResult(_changed);
    }

    public async ValueTask InTransactionAsync(AlertHubDbContext db, CancellationToken ct)
    {
        if (_changed)
        {
            await DirectoryCache.BumpAsync(db, ct);
        }
    }

    public void AfterCommit() => _changed = false;

    public void Discard(AlertHubDbContext db) => _changed = false;
}
