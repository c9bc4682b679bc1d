using AlertHub.Client;
using AlertHub.Evaluations;
using AlertHub.Infrastructure.Data;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>
/// STYLE 17: who an alert concerns, decided in one place and always on the server — who receives it (R2),
/// who follows it, who is escalated to (R6), who gets the SMS fallback (R4), who owns its evaluation (R8)
/// and who hears that the evaluation is due. Only active people of the school's own region qualify.
/// </summary>
internal sealed class AlertAudience(AlertHubDbContext db, DirectoryCache directory)
{
    private DirectorySnapshot? _snapshot;

    /// <summary>The disciplines that must have someone coming; escalation adds their backups.</summary>
    public static readonly Discipline[] RequiredDisciplines = [Discipline.Police, Discipline.YouthWork, Discipline.Enforcement];

    /// <summary>
    /// R2: the school's fixed contacts, the region's on-call team at this moment and the region's other
    /// coordinators; outside hotline hours also the region's out-of-hours contact.
    /// </summary>
    public async Task<List<Recipient>> RecipientsAsync(School school, Guid raisedById, DateTimeOffset now, bool hotlineOpen, CancellationToken ct)
    {
        var regionId = school.RegionId;
        var outOfHoursId = hotlineOpen ? null : school.Region?.OutOfHoursPersonId;
        var snapshot = await SnapshotAsync(ct);
        var fixedIds = snapshot.ContactsBySchool[school.Id].ToHashSet();
        var onCallIds = snapshot.RosterByRegion[regionId]
            .Where(r => !r.IsBackup && r.From <= now && r.Until > now)
            .Select(r => r.PersonId)
            .ToHashSet();
        var candidates = snapshot.ActiveByRegion[regionId]
            .Where(p => fixedIds.Contains(p.Id) || onCallIds.Contains(p.Id) || p.Id == outOfHoursId
                || (p.Role == PersonRole.Coordinator && p.Id != raisedById))
            .ToList();

        var recipients = new Dictionary<Guid, Recipient>();
        void Add(IEnumerable<Person> people, RecipientReason reason)
        {
            foreach (var person in people)
            {
                recipients.TryAdd(person.Id, NewRecipient(person, reason));
            }
        }
        Add(candidates.Where(p => fixedIds.Contains(p.Id)), RecipientReason.FixedContact);
        Add(candidates.Where(p => onCallIds.Contains(p.Id)), RecipientReason.OnCall);
        Add(candidates.Where(p => p.Role == PersonRole.Coordinator && p.Id != raisedById), RecipientReason.Coordinator);
        if (candidates.FirstOrDefault(p => p.Id == outOfHoursId) is { } outOfHours)
        {
            // Outside hotline hours the out-of-hours contact still gets the SMS, whatever else they are.
            recipients[outOfHours.Id] = NewRecipient(outOfHours, RecipientReason.OutOfHours);
        }
        return [.. recipients.Values];
    }

    /// <summary>The region's coordinators and team leads: they see every alert of the region and follow its delivery.</summary>
    public async Task<List<Guid>> FollowersAsync(string regionId, CancellationToken ct) =>
        (await SnapshotAsync(ct)).ActiveByRegion[regionId]
            .Where(p => p.Role is PersonRole.Coordinator or PersonRole.TeamLead)
            .Select(p => p.Id).ToList();

    /// <summary>A school with its region, from the directory as routing reads it; null when there is none.</summary>
    public async Task<School?> SchoolAsync(string schoolId, CancellationToken ct) =>
        (await SnapshotAsync(ct)).Schools.GetValueOrDefault(schoolId);

    /// <summary>Who is told of a change: the followers, and for news that concerns them also every recipient.</summary>
    public async Task<List<Guid>> PushAudienceAsync(string regionId, IEnumerable<Guid> recipients, bool everyone, CancellationToken ct)
    {
        var followers = await FollowersAsync(regionId, ct);
        return (everyone ? followers.Concat(recipients) : followers).Distinct().ToList();
    }

    /// <summary>R6: the disciplines without anyone who answered they can come.</summary>
    public static List<Discipline> MissingDisciplines(Alert alert) =>
        RequiredDisciplines
            .Where(d => !alert.Recipients.Any(r => r.Discipline == d && r.Response is not null and not AckResponse.Unable))
            .ToList();

    /// <summary>R6: the backups on the roster now of the missing disciplines, and the region's team leads, who are not recipients yet.</summary>
    public async Task<List<(Recipient Recipient, Person Person)>> EscalationTargetsAsync(
        Alert alert, IReadOnlyCollection<Discipline> missing, DateTimeOffset now, CancellationToken ct)
    {
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
        var targets = new List<(Recipient, Person)>();
        foreach (var (person, reason) in backups.Select(p => (p, RecipientReason.Backup)).Concat(teamLeads.Select(p => (p, RecipientReason.TeamLead))))
        {
            if (alert.RecipientFor(person.Id) is null && targets.All(t => t.Item2.Id != person.Id))
            {
                var recipient = NewRecipient(person, reason);
                recipient.AlertId = alert.Id;
                targets.Add((recipient, person));
            }
        }
        return targets;
    }

    /// <summary>
    /// R4: recipients whose device has not confirmed receipt and who have not answered; outside hotline
    /// hours only the out-of-hours contact.
    /// </summary>
    public static List<Recipient> AwaitingSms(Alert alert) =>
        alert.Recipients
            .Where(r => r.ReceivedAt is null && r.Response is null)
            .Where(r => alert.HotlineOpen || r.Reason == RecipientReason.OutOfHours)
            .ToList();

    /// <summary>R8: the region's team lead owns the evaluation (the first by name when there are several).</summary>
    public async Task<Guid?> EvaluationOwnerAsync(string regionId, CancellationToken ct) =>
        (await SnapshotAsync(ct)).ActiveByRegion[regionId]
            .Where(p => p.Role == PersonRole.TeamLead)
            .OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => (Guid?)p.Id).FirstOrDefault();

    /// <summary>Who is told the evaluation is due: the region's team leads and the participants (who raised it, who answered).</summary>
    public async Task<List<Guid>> EvaluationAudienceAsync(Evaluation evaluation, CancellationToken ct)
    {
        var teamLeads = await db.People
            .Where(p => p.RegionId == evaluation.RegionId && p.Role == PersonRole.TeamLead && p.Active)
            .Select(p => p.Id).ToListAsync(ct);
        var alert = evaluation.Alert!;
        var participants = alert.Recipients.Where(r => r.Response is not null).Select(r => r.PersonId).Append(alert.RaisedById);
        return teamLeads.Concat(participants).Distinct().ToList();
    }

    /// <summary>The directory as routing reads it, the same snapshot for the whole scope (read-only: never attach or change it).</summary>
    public ValueTask<DirectorySnapshot> DirectoryAsync(CancellationToken ct) => SnapshotAsync(ct);

    /// <summary>Read once per scope (a raise asks four times); the version check is one primary-key read.</summary>
    private async ValueTask<DirectorySnapshot> SnapshotAsync(CancellationToken ct) =>
        _snapshot ??= await directory.CurrentAsync(db, ct);

    private static Recipient NewRecipient(Person person, RecipientReason reason) => new()
    {
        PersonId = person.Id,
        Name = person.Name,
        Organisation = person.Organisation?.Name,
        OrganisationId = person.OrganisationId,
        Discipline = person.Discipline,
        Reason = reason,
        Delivery = DeliveryState.Pending,
    };
}
