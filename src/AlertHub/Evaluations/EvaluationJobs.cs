using AlertHub.Infrastructure;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Hotline;
using AlertHub.Infrastructure.Data;
using AlertHub.Delivery.Push;
using AlertHub.Infrastructure.Scheduling;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Evaluations;

/// <summary>
/// At the due time: EvaluationDue is pushed to the team lead and participants (once), the team lead
/// gets an SMS within hotline hours (else at the next opening), and the first reminder is scheduled.
/// </summary>
internal sealed class EvaluationDueJob(
    AlertHubDbContext db,
    SmsOutbox sms,
    TimeProvider time,
    IOptions<HotlineOptions> hotline,
    IOptions<EvaluationsOptions> options,
    ILogger<EvaluationDueJob> logger) : IJobHandler
{
    public string Kind => JobKinds.EvaluationDue;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var evaluation = await db.Evaluations.WithDetails().FirstOrDefaultAsync(e => e.Id == job.SubjectId, ct);
        if (evaluation is null || evaluation.Status != EvaluationStatus.Open)
        {
            return null;
        }
        var now = time.Now();
        if (evaluation.DueNotifiedAt is null)
        {
            evaluation.DueNotifiedAt = now;
            if (!await db.ScheduledJobs.AnyAsync(j => j.Kind == JobKinds.EvaluationReminder && j.SubjectId == evaluation.Id, ct))
            {
                db.ScheduledJobs.Add(new ScheduledJob
                {
                    Kind = JobKinds.EvaluationReminder, SubjectId = evaluation.Id, DueAt = evaluation.DueAt + options.Value.RemindEvery, CreatedAt = now,
                });
            }
            // The push is a row in the same transaction as the flag: with Redis away it is relayed, never lost.
            db.PushMessages.Add(EvaluationDuePush(evaluation, now));
            await db.SaveChangesAsync(ct);
        }

        if (evaluation.DueSmsSentAt is null)
        {
            var region = await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == evaluation.RegionId, ct);
            var hours = HotlineHours.For(hotline.Value, region);
            if (!hours.IsOpenAt(now))
            {
                return hours.NextOpening(now); // the SMS waits for the hotline to open; the push went already
            }
            evaluation.DueSmsSentAt = now;
            var teamLead = evaluation.TeamLeadId is { } id ? await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.Active, ct) : null;
            if (teamLead?.Phone is { Length: > 0 } phone)
            {
                // The row is written with the flag that says it was decided; SmsSendJob sends it and retries it.
                var body = SmsText.Evaluation(evaluation.Alert!.SchoolName, evaluation.Alert.RaisedAt, hours.TimeZone, sms.LinkFor(evaluation.Alert));
                sms.Add(new SmsMessage
                {
                    AlertId = evaluation.AlertId, EvaluationId = evaluation.Id, PersonId = teamLead.Id, Purpose = SmsPurposes.Evaluation, To = phone, Body = body,
                });
            }
            else
            {
                logger.LogWarning("Evaluation {EvaluationId} has no team lead with a phone number for the due SMS", evaluation.Id);
            }
            await db.SaveChangesAsync(ct);
        }
        return null;
    }

    public static PushMessage EvaluationDuePush(Evaluation evaluation, DateTimeOffset now) => new()
    {
        AlertId = evaluation.AlertId, EvaluationId = evaluation.Id, Kind = PushKind.EvaluationDue, CreatedAt = now,
    };
}

/// <summary>While an evaluation is overdue, a reminder every Evaluations:RemindEvery until it is closed.</summary>
internal sealed class EvaluationReminderJob(
    AlertHubDbContext db,
    TimeProvider time,
    IOptions<EvaluationsOptions> options) : IJobHandler
{
    public string Kind => JobKinds.EvaluationReminder;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var evaluation = await db.Evaluations.WithDetails().FirstOrDefaultAsync(e => e.Id == job.SubjectId, ct);
        if (evaluation is null || evaluation.Status != EvaluationStatus.Open)
        {
            return null;
        }
        var now = time.Now();
        evaluation.RemindersSent++;
        db.PushMessages.Add(EvaluationDueJob.EvaluationDuePush(evaluation, now));
        await db.SaveChangesAsync(ct);
        // After downtime, skip the reminders that were missed instead of sending them all at once.
        var next = job.DueAt + options.Value.RemindEvery;
        while (next <= now)
        {
            next += options.Value.RemindEvery;
        }
        return next;
    }
}

/// <summary>R8: the evaluation is part of the alert from the start, due 48 h later and owned by the team lead.</summary>
internal sealed class OpenEvaluation(AlertHubDbContext db, AlertAudience audience, IOptions<EvaluationsOptions> options)
    : INotificationHandler<AlertRaisedEvent>
{
    public async ValueTask Handle(AlertRaisedEvent raised, CancellationToken ct)
    {
        var alert = raised.Alert;
        if (alert.Drill)
        {
            // Issue 17: a drill has its own report, not an evaluation of the network.
            return;
        }
        var evaluation = new Evaluation
        {
            AlertId = alert.Id,
            RegionId = alert.RegionId,
            DueAt = raised.Now + options.Value.DueAfter,
            Status = EvaluationStatus.Open,
            TeamLeadId = await audience.EvaluationOwnerAsync(alert.RegionId, ct),
        };
        alert.EvaluationId = evaluation.Id;
        db.Evaluations.Add(evaluation);
        db.ScheduledJobs.Add(new ScheduledJob { Kind = JobKinds.EvaluationDue, SubjectId = evaluation.Id, DueAt = evaluation.DueAt, CreatedAt = raised.Now });
    }
}

/// <summary>A false alarm needs no evaluation: cancelled in the same transaction as the alert; its timers find it so and stop.</summary>
internal sealed class CancelEvaluation(AlertHubDbContext db) : INotificationHandler<AlertClosedEvent>
{
    public async ValueTask Handle(AlertClosedEvent closed, CancellationToken ct)
    {
        if (closed.Alert.Status != AlertStatus.Cancelled || closed.Alert.EvaluationId is not { } id)
        {
            return;
        }
        var evaluation = await db.Evaluations.FirstOrDefaultAsync(e => e.Id == id && e.Status == EvaluationStatus.Open, ct);
        if (evaluation is not null)
        {
            evaluation.Status = EvaluationStatus.Cancelled;
        }
    }
}
