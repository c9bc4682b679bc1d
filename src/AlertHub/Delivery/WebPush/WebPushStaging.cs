using AlertHub.Alerts;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.WebPush;

/// <summary>
/// STYLE 15/16, for Web Push: a save that makes people recipients of an alert (a raise, an escalation) writes one
/// <see cref="WebPushMessage"/> per subscription of each of them, in that same transaction, and one repeat timer per
/// recipient; every new Pending push row (these, and the repeat job's) gets its <c>webpush-send</c> job. After the
/// commit the job worker is woken. No handler knows about Web Push.
/// </summary>
internal sealed class WebPushStaging(JobWorker worker, TimeProvider time, IOptions<PushOptions> options, RecipientRows rows) : ISaveChangesStep
{
    private readonly List<object> _derived = [];
    private bool _wake;

    public int Order => 25;

    public async ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct)
    {
        Discard(db);
        var now = time.Now();
        // Tracked ones (an escalation) and those of new alerts in a group commit, which are written as rows.
        var added = db.ChangeTracker.Entries<Recipient>().Where(e => e.State == EntityState.Added).Select(e => e.Entity)
            .Concat(rows.Pending).ToList();
        if (added.Count > 0)
        {
            var raised = db.ChangeTracker.Entries<Alert>().Where(e => e.State == EntityState.Added).Select(e => e.Entity.Id).ToHashSet();
            var people = added.Select(r => r.PersonId).Distinct().ToList();
            var subscriptions = await db.PushSubscriptions.AsNoTracking()
                .Where(s => people.Contains(s.PersonId))
                .Select(s => new { s.Id, s.PersonId })
                .ToListAsync(ct);
            foreach (var recipient in added)
            {
                var mine = subscriptions.Where(s => s.PersonId == recipient.PersonId).ToList();
                foreach (var subscription in mine)
                {
                    Derive(db, new WebPushMessage
                    {
                        AlertId = recipient.AlertId,
                        RecipientId = recipient.Id,
                        PersonId = recipient.PersonId,
                        SubscriptionId = subscription.Id,
                        Renotify = !raised.Contains(recipient.AlertId), // added by an escalation
                        CreatedAt = now,
                        UpdatedAt = now,
                    });
                }
                if (mine.Count > 0 && options.Value.MaxRepeats > 0)
                {
                    Derive(db, new ScheduledJob
                    {
                        Kind = JobKinds.WebPushRepeat, SubjectId = recipient.Id, DueAt = now + options.Value.RepeatEvery, CreatedAt = now,
                    });
                }
            }
        }
        // Issue 17: a new instruction rings every recipient's devices again ("Nieuwe instructie"), without its text.
        var instructions = db.ChangeTracker.Entries<AlertInstruction>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        foreach (var instruction in instructions)
        {
            var targets = await db.Recipients.AsNoTracking().Where(r => r.AlertId == instruction.AlertId)
                .Join(db.PushSubscriptions.AsNoTracking(), r => r.PersonId, s => s.PersonId, (r, s) => new { RecipientId = r.Id, r.PersonId, SubscriptionId = s.Id })
                .ToListAsync(ct);
            foreach (var target in targets)
            {
                Derive(db, new WebPushMessage
                {
                    AlertId = instruction.AlertId, RecipientId = target.RecipientId, PersonId = target.PersonId, SubscriptionId = target.SubscriptionId,
                    InstructionVersion = instruction.Version, Renotify = true, CreatedAt = now, UpdatedAt = now,
                });
            }
        }
        foreach (var entry in db.ChangeTracker.Entries<WebPushMessage>().Where(e => e.State == EntityState.Added && e.Entity.Status == WebPushStatus.Pending).ToList())
        {
            Derive(db, new ScheduledJob { Kind = JobKinds.WebPushSend, SubjectId = entry.Entity.Id, DueAt = now, CreatedAt = now });
            _wake = true;
        }
        return false;
    }

    public ValueTask InTransactionAsync(AlertHubDbContext db, CancellationToken ct) => ValueTask.CompletedTask;

    public void AfterCommit()
    {
        if (_wake)
        {
            worker.Wake();
        }
        _derived.Clear();
        _wake = false;
    }

    /// <summary>A failed save leaves what this step added tracked as Added; the next save derives it again.</summary>
    public void Discard(AlertHubDbContext db)
    {
        db.DetachAdded(_derived);
        _derived.Clear();
        _wake = false;
    }

    private void Derive(AlertHubDbContext db, object row)
    {
        db.Add(row);
        _derived.Add(row);
    }
}
