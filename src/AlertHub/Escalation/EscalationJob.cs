using AlertHub.Infrastructure;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Outbox;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Escalation;

/// <summary>
/// R6: when the acknowledgement window has passed and a required discipline (police, youth work,
/// enforcement) has nobody who answered that they can come, that discipline's backup on the roster
/// and the region's team lead are added as recipients and get push and SMS — once.
/// </summary>
internal sealed class EscalationJob(AlertHubDbContext db, SmsDispatcher sms, AlertNotifier notifier, TimeProvider time)
    : IJobHandler
{
    public static readonly Discipline[] Required = [Discipline.Police, Discipline.YouthWork, Discipline.Enforcement];

    public string Kind => JobKinds.Escalation;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var alert = await db.Alerts.WithDetails().FirstOrDefaultAsync(a => a.Id == job.SubjectId, ct);
        if (alert is null || !alert.IsOpen)
        {
            return null;
        }
        var missing = Required
            .Where(d => !alert.Recipients.Any(r => r.Discipline == d && r.Response is not null and not AckResponse.Unable))
            .ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var now = time.Now();
        var backupIds = await db.RosterEntries
            .Where(r => r.RegionId == alert.RegionId && r.IsBackup && r.From <= now && r.Until > now)
            .Select(r => r.PersonId)
            .ToListAsync(ct);
        var backups = await db.People.Include(p => p.Organisation).AsNoTracking()
            .Where(p => backupIds.Contains(p.Id) && p.Active && p.RegionId == alert.RegionId
                && p.Discipline != null && missing.Contains(p.Discipline.Value))
            .ToListAsync(ct);
        var teamLeads = await db.People.Include(p => p.Organisation).AsNoTracking()
            .Where(p => p.RegionId == alert.RegionId && p.Role == PersonRole.TeamLead && p.Active)
            .ToListAsync(ct);

        var added = new List<(Recipient Recipient, Person Person)>();
        foreach (var (person, reason) in backups.Select(p => (p, RecipientReason.Backup)).Concat(teamLeads.Select(p => (p, RecipientReason.TeamLead))))
        {
            if (alert.RecipientFor(person.Id) is not null || added.Any(a => a.Person.Id == person.Id))
            {
                continue;
            }
            var recipient = new Recipient
            {
                AlertId = alert.Id, PersonId = person.Id, Name = person.Name, Organisation = person.Organisation?.Name,
                Discipline = person.Discipline, Reason = reason, Delivery = DeliveryState.Pending,
            };
            alert.Recipients.Add(recipient);
            db.Recipients.Add(recipient);
            added.Add((recipient, person));
        }
        var update = new AlertUpdate
        {
            AlertId = alert.Id, At = now, ById = Guid.Empty, ByName = "AlertHub",
            Text = $"Escalatie: nog geen reactie van {string.Join(", ", missing.Select(DisciplineText))}; reserve en regievoerder gealarmeerd.",
        };
        alert.Updates.Add(update);
        db.AlertUpdates.Add(update);
        await notifier.StageAsync(alert, OutboxKind.Updated, newlyAdded: added.Select(a => a.Person.Id).ToList(), ct: ct);
        await db.SaveChangesAsync(ct);
        notifier.Flush();

        if (alert.HotlineOpen)
        {
            var body = await sms.AlertTextAsync(alert, "AlertHub ESCALATIE", ct);
            foreach (var (recipient, person) in added)
            {
                await sms.SendAsync(alert, recipient, person, SmsPurposes.Escalation, body, ct);
            }
        }
        return null;
    }

    public static string DisciplineText(Discipline discipline) => discipline switch
    {
        Discipline.Police => "politie",
        Discipline.YouthWork => "jongerenwerk",
        Discipline.Enforcement => "handhaving",
        _ => discipline.ToString(),
    };
}
