using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.WebPush;

/// <summary>
/// One timer per recipient with subscriptions: until they answered or the alert closed, their subscriptions get the
/// push again every <c>Push:RepeatEvery</c>, at most <c>Push:MaxRepeats</c> times. Repeat n is a row per subscription
/// (unique per subscription, recipient and n), so a second node that ran the same round after a lost lease writes nothing.
/// </summary>
internal sealed class WebPushRepeatJob(AlertHubDbContext db, TimeProvider time, IOptions<PushOptions> options, ILogger<WebPushRepeatJob> logger)
    : IJobHandler
{
    public string Kind => JobKinds.WebPushRepeat;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var settings = options.Value;
        var recipient = await db.Recipients.AsNoTracking().FirstOrDefaultAsync(r => r.Id == job.SubjectId, ct);
        if (recipient is null || recipient.Response is not null
            || !await db.Alerts.AnyAsync(a => a.Id == recipient.AlertId && a.Status == AlertStatus.Open, ct))
        {
            return null;
        }
        var repeat = (await db.WebPushMessages.Where(m => m.RecipientId == recipient.Id).MaxAsync(m => (int?)m.Repeat, ct) ?? 0) + 1;
        if (repeat > settings.MaxRepeats)
        {
            return null;
        }
        var subscriptions = await db.PushSubscriptions.AsNoTracking().Where(s => s.PersonId == recipient.PersonId).Select(s => s.Id).ToListAsync(ct);
        if (subscriptions.Count == 0)
        {
            return null;
        }
        var now = time.Now();
        foreach (var subscription in subscriptions)
        {
            db.WebPushMessages.Add(new WebPushMessage
            {
                AlertId = recipient.AlertId,
                RecipientId = recipient.Id,
                PersonId = recipient.PersonId,
                SubscriptionId = subscription,
                Repeat = repeat,
                Renotify = true,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            logger.LogInformation("Repeat {Repeat} for recipient {RecipientId} was written by another node", repeat, recipient.Id);
        }
        return repeat < settings.MaxRepeats ? now + settings.RepeatEvery : null;
    }
}
