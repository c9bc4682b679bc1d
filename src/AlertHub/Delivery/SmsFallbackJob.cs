using AlertHub.Infrastructure;
using AlertHub.Alerts;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Outbox;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery;

/// <summary>
/// R4: when the receipt window has passed, every recipient whose device has not confirmed receipt
/// (and who has not answered) gets one SMS — during hotline hours; outside them only the region's
/// out-of-hours contact does.
/// </summary>
internal sealed class SmsFallbackJob(AlertHubDbContext db, SmsDispatcher sms, AlertNotifier notifier, TimeProvider time)
    : IJobHandler
{
    private const int MaxRounds = 6;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    public string Kind => JobKinds.SmsFallback;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var alert = await db.Alerts.Include(a => a.Recipients).FirstOrDefaultAsync(a => a.Id == job.SubjectId, ct);
        if (alert is null || !alert.IsOpen)
        {
            return null;
        }
        var waiting = alert.Recipients
            .Where(r => r.ReceivedAt is null && r.Response is null)
            .Where(r => alert.HotlineOpen || r.Reason == RecipientReason.OutOfHours)
            .ToList();
        if (waiting.Count == 0)
        {
            return null;
        }

        var people = await db.People.AsNoTracking().Where(p => waiting.Select(r => r.PersonId).Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var body = await sms.AlertTextAsync(alert, "AlertHub", ct);
        var retry = false;
        foreach (var recipient in waiting.Where(r => people.ContainsKey(r.PersonId)))
        {
            var status = await sms.SendAsync(alert, recipient, people[recipient.PersonId], SmsPurposes.Fallback, body, ct);
            retry |= status == SmsStatus.NotSent;
        }
        await notifier.StageAsync(alert, OutboxKind.Updated, everyone: false, ct: ct);
        await db.SaveChangesAsync(ct);
        notifier.Flush();
        return retry && job.Attempts < MaxRounds ? time.Now() + RetryAfter : null;
    }
}
