using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>
/// R2: who an alert goes to is decided here, on the server, never by the client: the school's fixed
/// contacts, the region's on-call team at this moment, and the region's other coordinators. Only
/// active people of the school's own region qualify.
/// </summary>
internal sealed class RecipientRouter(AlertHubDbContext db)
{
    public async Task<List<Recipient>> ResolveAsync(School school, Guid raisedById, DateTimeOffset now, CancellationToken ct)
    {
        var regionId = school.RegionId;
        var fixedIds = await db.SchoolContacts.Where(c => c.SchoolId == school.Id).Select(c => c.PersonId).ToListAsync(ct);
        var onCallIds = await db.RosterEntries
            .Where(r => r.RegionId == regionId && !r.IsBackup && r.From <= now && r.Until > now)
            .Select(r => r.PersonId)
            .ToListAsync(ct);
        var candidates = await db.People
            .Include(p => p.Organisation)
            .Where(p => p.Active && p.RegionId == regionId
                && (fixedIds.Contains(p.Id) || onCallIds.Contains(p.Id)
                    || (p.Role == PersonRole.Coordinator && p.Id != raisedById)))
            .ToListAsync(ct);
        var fixedContacts = candidates.Where(p => fixedIds.Contains(p.Id));
        var onCall = candidates.Where(p => onCallIds.Contains(p.Id));
        var coordinators = candidates.Where(p => p.Role == PersonRole.Coordinator && p.Id != raisedById);

        var recipients = new Dictionary<Guid, Recipient>();
        void Add(IEnumerable<Person> people, RecipientReason reason)
        {
            foreach (var person in people)
            {
                recipients.TryAdd(person.Id, new Recipient
                {
                    PersonId = person.Id,
                    Name = person.Name,
                    Organisation = person.Organisation?.Name,
                    Discipline = person.Discipline,
                    Reason = reason,
                    Delivery = DeliveryState.Pending,
                });
            }
        }
        Add(fixedContacts, RecipientReason.FixedContact);
        Add(onCall, RecipientReason.OnCall);
        Add(coordinators, RecipientReason.Coordinator);
        return [.. recipients.Values];
    }

    /// <summary>Outside hotline hours the region's out-of-hours contact is added (and still gets the SMS).</summary>
    public async Task AddOutOfHoursContactAsync(Alert alert, Guid personId, CancellationToken ct)
    {
        var person = await db.People.Include(p => p.Organisation).AsNoTracking()
            .FirstOrDefaultAsync(p => p.Id == personId && p.Active && p.RegionId == alert.RegionId, ct);
        if (person is null)
        {
            return;
        }
        var existing = alert.RecipientFor(person.Id);
        if (existing is not null)
        {
            existing.Reason = RecipientReason.OutOfHours;
            return;
        }
        alert.Recipients.Add(new Recipient
        {
            PersonId = person.Id, Name = person.Name, Organisation = person.Organisation?.Name,
            Discipline = person.Discipline, Reason = RecipientReason.OutOfHours, Delivery = DeliveryState.Pending,
        });
    }
}
