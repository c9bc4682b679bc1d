using System.Threading.Channels;
using AlertHub.Alerts;
using AlertHub.Privacy;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Infrastructure.Data;

/// <summary>
/// Group commit (issue 16): one writer per node drains every write that is waiting — raises, receipts — into one
/// transaction, so a burst costs one commit (one fsync), not one per request. Nobody waits for a timer: while
/// one group commits, the next one gathers, so a lone write goes out at once and a busy node writes in larger
/// groups. Each write is a unit staged into the writer's own DbContext; the features' save steps (versions,
/// pushes, webhooks, Web Push, SMS) run once over the whole group. A caller is answered only after its group
/// committed, so an answer still means durable. When a group fails, each of its units is written once more on
/// its own, so one bad unit (a duplicate idempotency key) fails only its own caller, with its own error.
/// </summary>
internal sealed class GroupCommit(IServiceScopeFactory scopes, ILogger<GroupCommit> logger) : BackgroundService
{
    /// <summary>The most units in one transaction; more wait for the next one.</summary>
    public const int MaxGroup = 256;

    private readonly Channel<IUnit> _queue = Channel.CreateUnbounded<IUnit>(new UnboundedChannelOptions { SingleReader = true });
    private long _groups;
    private long _units;

    /// <summary>Groups committed and the units in them since start (the benchmark's profile reads these).</summary>
    public (long Groups, long Units) Written => (Interlocked.Read(ref _groups), Interlocked.Read(ref _units));

    /// <summary>
    /// Runs <paramref name="stage"/> against the writer's DbContext (it adds or changes what the unit writes and
    /// may query), then answers with its result once the group is committed. The stage may run twice (the group
    /// failed and the unit is written alone): it must start from its own inputs, not from what it did before.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<AlertHubDbContext, CancellationToken, ValueTask<T>> stage, CancellationToken ct)
    {
        var unit = new Unit<T>(stage);
        if (!_queue.Writer.TryWrite(unit))
        {
            throw new OperationCanceledException("De server stopt; er is niets opgeslagen.");
        }
        // A caller that stops waiting does not stop the write: once queued it is written, only the answer is lost.
        return unit.Done.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<IUnit>(MaxGroup);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (group.Count < MaxGroup && _queue.Reader.TryRead(out var unit))
                {
                    group.Add(unit);
                }
                await WriteGroupAsync(group);
                group.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; what is still queued is written below before the host goes.
        }
        _queue.Writer.TryComplete();
        // Whatever was accepted is written before the node stops (the host gives hosted services time to stop).
        while (_queue.Reader.TryRead(out var unit))
        {
            group.Add(unit);
            if (group.Count == MaxGroup)
            {
                await WriteGroupAsync(group);
                group.Clear();
            }
        }
        if (group.Count > 0)
        {
            await WriteGroupAsync(group);
        }
    }

    private async Task WriteGroupAsync(List<IUnit> group)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            foreach (var unit in group)
            {
                await unit.StageAsync(db);
            }
            await db.SaveChangesAsync(CancellationToken.None);
            Interlocked.Increment(ref _groups);
            Interlocked.Add(ref _units, group.Count);
            foreach (var unit in group)
            {
                unit.Complete();
            }
        }
        catch (Exception e) when (group.Count > 1)
        {
            logger.LogWarning("A group of {Count} writes failed ({Error}); writing each on its own", group.Count, e.GetType().Name);
            foreach (var unit in group)
            {
                await WriteGroupAsync([unit]);
            }
        }
        catch (Exception e)
        {
            group[0].Fail(e);
        }
    }

    private interface IUnit
    {
        ValueTask StageAsync(AlertHubDbContext db);

        void Complete();

        void Fail(Exception e);
    }

    private sealed class Unit<T>(Func<AlertHubDbContext, CancellationToken, ValueTask<T>> stage) : IUnit
    {
        private T? _result;

        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask StageAsync(AlertHubDbContext db) => _result = await stage(db, CancellationToken.None);

        public void Complete() => Done.TrySetResult(_result!);

        public void Fail(Exception e) => Done.TrySetException(e);
    }
}

internal static class GroupCommitExtensions
{
    /// <summary>
    /// Writes what this request added (new rows only, with their audit entries) in the node's next group commit
    /// instead of a transaction of its own. The added entities are the same objects afterwards, with what the save
    /// steps set on them (versions, sequence). Anything else tracked as changed is refused: move only new rows.
    /// </summary>
    public static async Task SaveInGroupAsync(this AlertHubDbContext db, GroupCommit group, CancellationToken ct)
    {
        var entries = db.ChangeTracker.Entries().ToList();
        if (entries.Any(e => e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new InvalidOperationException("SaveInGroupAsync moves new rows only.");
        }
        var added = entries.Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        // The recipients of a new alert go as rows (Alerts/RecipientRows): not one tracked entity each in the writer.
        var raised = added.OfType<Alert>().ToList();
        var recipients = raised.SelectMany(a => a.Recipients).ToHashSet<Recipient>(ReferenceEqualityComparer.Instance);
        added.RemoveAll(e => e is Recipient r && recipients.Contains(r));
        var audit = db.AuditTrail.Unsaved.ToList();
        // Detected just above; each lookup below would otherwise scan the request's rows again.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        foreach (var pending in audit)
        {
            // Resolved here, where the subject is the one new row of its kind; in the group it is one of many.
            var entry = pending.Entry;
            (entry.SubjectId, var regionId) = AuditSubjects.FromTracker(db.ChangeTracker, entry.SubjectType, entry.SubjectId);
            entry.RegionId = regionId ?? entry.RegionId;
        }
        db.ChangeTracker.Clear();
        db.ChangeTracker.AutoDetectChangesEnabled = true;
        await group.WriteAsync((writer, _) =>
        {
            // The save detects changes once over the whole group; Entry() would otherwise scan each new row's
            // navigations as it is attached (6 % of a PostgreSQL node's CPU in the raise-only profile).
            writer.ChangeTracker.AutoDetectChangesEnabled = false;
            try
            {
                foreach (var entity in added)
                {
                    // Each row by itself: no graph walk that could take a loaded neighbour for a new row, nor an
                    // alert's recipients, which the writer's RecipientRows writes right after the alerts.
                    writer.Entry(entity).State = EntityState.Added;
                }
                var rows = writer.Step<RecipientRows>() ?? throw new InvalidOperationException("The writer has no RecipientRows step.");
                foreach (var alert in raised)
                {
                    rows.Add(alert.Recipients);
                }
            }
            finally
            {
                writer.ChangeTracker.AutoDetectChangesEnabled = true;
            }
            foreach (var pending in audit)
            {
                writer.AuditTrail.Stage(pending.Entry);
            }
            return ValueTask.FromResult(true);
        }, ct);
        foreach (var pending in audit)
        {
            pending.Added = pending.Saved = true;
        }
    }
}
