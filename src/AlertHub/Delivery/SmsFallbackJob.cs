using AlertHub.Infrastructure;
using AlertHub.Alerts;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// R4: when the receipt window has passed, every recipient whose device has not confirmed receipt
/// (and who has not answered) gets one SMS — during hotline hours; outside them only the region's
/// out-of-hours contact does.
/// </summary>
internal sealed class SmsFallbackJob(AlertHubDbContext db, SmsOutbox sms) : IJobHandler
{
    public string Kind => JobKinds.SmsFallback;

    /// <summary>Decides the round: one Pending SMS row per recipient still waiting, in one transaction; SmsSendJob sends them side by side.</summary>
    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var alert = await db.Alerts.Include(a => a.Recipients).FirstOrDefaultAsync(a => a.Id == job.SubjectId, ct);
        if (alert is null || !alert.IsOpen)
        {
            return null;
        }
        var texted = await db.SmsMessages.Where(m => m.AlertId == alert.Id && m.Purpose == SmsPurposes.Fallback && m.RecipientId != null)
            .Select(m => m.RecipientId!.Value).ToListAsync(ct);
        var waiting = AlertAudience.AwaitingSms(alert).Where(r => !texted.Contains(r.Id)).ToList();
        if (waiting.Count == 0)
        {
            return null;
        }
        var people = await db.People.AsNoTracking().Where(p => waiting.Select(r => r.PersonId).Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var body = await sms.AlertTextAsync(alert, "AlertHub", ct);
        foreach (var recipient in waiting.Where(r => people.ContainsKey(r.PersonId)))
        {
            sms.ToRecipient(alert, recipient, people[recipient.PersonId], SmsPurposes.Fallback, body);
        }
        await db.SaveChangesAsync(ct);
        return null;
    }
}

/// <summary>The receipt window starts with the raise, in its transaction.</summary>
internal sealed class ScheduleSmsFallback(AlertHubDbContext db, IOptions<AlertsOptions> options) : INotificationHandler<AlertRaisedEvent>
{
    public ValueTask Handle(AlertRaisedEvent raised, CancellationToken ct)
    {
        db.ScheduledJobs.Add(new ScheduledJob
        {
            Kind = JobKinds.SmsFallback, SubjectId = raised.Alert.Id, DueAt = raised.Now + options.Value.SmsFallbackAfter, CreatedAt = raised.Now,
        });
        return ValueTask.CompletedTask;
    }
}
