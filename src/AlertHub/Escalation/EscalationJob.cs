using AlertHub.Infrastructure;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Escalation;

/// <summary>
/// R6: when the acknowledgement window has passed and a required discipline (police, youth work,
/// enforcement) has nobody who answered that they can come, that discipline's backup on the roster
/// and the region's team lead are added as recipients and get push and SMS — once.
/// </summary>
internal sealed class EscalationJob(AlertHubDbContext db, SmsOutbox sms, AlertAudience audience, TimeProvider time)
    : IJobHandler
{
    public string Kind => JobKinds.Escalation;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var alert = await db.Alerts.WithDetails().FirstOrDefaultAsync(a => a.Id == job.SubjectId, ct);
        if (alert is null || !alert.IsOpen)
        {
            return null;
        }
        var missing = AlertAudience.MissingDisciplines(alert);
        if (missing.Count == 0)
        {
            return null;
        }

        var now = time.Now();
        var added = await audience.EscalationTargetsAsync(alert, missing, now, ct);
        foreach (var (recipient, _) in added)
        {
            alert.Recipients.Add(recipient);
            db.Recipients.Add(recipient);
        }
        var update = new AlertUpdate
        {
            AlertId = alert.Id, At = now, ById = Guid.Empty, ByName = "AlertHub",
            Text = $"Escalatie: nog geen reactie van {string.Join(", ", missing.Select(DisciplineText))}; reserve en regievoerder gealarmeerd.",
        };
        alert.Updates.Add(update);
        db.AlertUpdates.Add(update);
        if (alert.HotlineOpen)
        {
            // Decided here, so written here: the backups' SMS rows go into the escalation's own transaction.
            var body = await sms.AlertTextAsync(alert, "AlertHub ESCALATIE", ct);
            foreach (var (recipient, person) in added)
            {
                sms.ToRecipient(alert, recipient, person, SmsPurposes.Escalation, body);
            }
        }
        await db.SaveChangesAsync(ct);
        return null;
    }

    public static string DisciplineText(Discipline discipline) => discipline switch
    {
        Discipline.Police => "politie",
        Discipline.YouthWork => "jongerenwerk",
        Discipline.Enforcement => "handhaving",
        Discipline.YouthAmbassador => "jeugdambassadeur",
        Discipline.CompulsoryEducation => "leerplicht",
        Discipline.SchoolSocialWork => "schoolmaatschappelijk werk",
        Discipline.YouthCare => "jeugdbescherming",
        Discipline.Municipality => "gemeente",
        _ => "andere discipline",
    };
}

/// <summary>The acknowledgement window starts with the raise, in its transaction.</summary>
internal sealed class ScheduleEscalation(AlertHubDbContext db, IOptions<AlertsOptions> options) : INotificationHandler<AlertRaisedEvent>
{
    public ValueTask Handle(AlertRaisedEvent raised, CancellationToken ct)
    {
        db.ScheduledJobs.Add(new ScheduledJob
        {
            Kind = JobKinds.Escalation, SubjectId = raised.Alert.Id, DueAt = raised.Now + options.Value.EscalateAfter, CreatedAt = raised.Now,
        });
        return ValueTask.CompletedTask;
    }
}
