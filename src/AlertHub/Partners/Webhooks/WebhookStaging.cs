using AlertHub.Alerts;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Partners.Webhooks;

/// <summary>
/// STYLE 15/16, for webhooks: a save that is news about an alert (raised; an answer, an update, an escalation or a
/// decision; closed) writes one <see cref="WebhookDelivery"/> and its <c>webhook-send</c> job per organisation of
/// the alert's region that has an active endpoint, in that same transaction. Receipts and SMS states are not news
/// for a partner system. After the commit the job worker is woken. No handler knows about webhooks.
/// </summary>
internal sealed class WebhookStaging(AlertVersions versions, WebhookDirectory directory, JobWorker worker, TimeProvider time) : ISaveChangesStep
{
    private readonly List<object> _derived = [];
    private bool _wake;

    public int Order => 30;

    public async ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct)
    {
        Discard(db);
        var news = versions.Changes.Where(c => c.Raised || c.Everyone).ToList();
        if (news.Count == 0)
        {
            return false;
        }
        var endpoints = await directory.ActiveAsync(ct);
        if (endpoints.Count == 0)
        {
            return false;
        }
        var now = time.Now();
        foreach (var change in news)
        {
            var tracked = db.ChangeTracker.Entries<Alert>().FirstOrDefault(e => e.Entity.Id == change.AlertId);
            if (tracked is not null && tracked.State == EntityState.Modified && tracked.Property(nameof(Alert.PurgedAt)).IsModified)
            {
                continue; // the retention purge is not news
            }
            var regionId = tracked?.Entity.RegionId
                ?? await db.Alerts.AsNoTracking().Where(a => a.Id == change.AlertId).Select(a => a.RegionId).FirstOrDefaultAsync(ct);
            var kind = change.Raised ? WebhookEvents.Raised
                : tracked is { State: EntityState.Modified } && tracked.Property(nameof(Alert.Status)).IsModified && !tracked.Entity.IsOpen
                    ? WebhookEvents.Closed
                    : WebhookEvents.Updated;
            foreach (var endpoint in endpoints.Where(e => e.RegionId == regionId))
            {
                var delivery = new WebhookDelivery
                {
                    OrganisationId = endpoint.OrganisationId,
                    AlertId = change.AlertId,
                    Event = kind,
                    CreatedAt = now,
                };
                Derive(db, delivery);
                Derive(db, new ScheduledJob { Kind = JobKinds.WebhookSend, SubjectId = delivery.Id, DueAt = now, CreatedAt = now });
                _wake = true;
            }
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
