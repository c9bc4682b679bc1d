using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>
/// What the reference checks need to know about the directory: the database plus, during an import,
/// the items of the same document that are not written yet. <c>Owner</c> is the item that claimed a
/// key in this batch (null: it is already in the database), so an item does not clash with itself.
/// </summary>
internal sealed class DirectoryIndex(AlertHubDbContext db)
{
    internal sealed record RegionRef(string Id, object? Owner);
    internal sealed record OrganisationRef(string Id, string? RegionId, object? Owner);
    internal sealed record SchoolRef(string Id, string? RegionId, object? Owner);
    internal sealed record PersonRef(Guid Id, string? Email, string? RegionId, PersonRole? Role, bool Pending = false);

    public const string Conflict = "Conflict";

    private readonly Dictionary<string, RegionRef?> _regions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrganisationRef?> _organisations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchoolRef?> _schools = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, PersonRef?> _people = [];
    private readonly Dictionary<string, PersonRef?> _emails = new(StringComparer.OrdinalIgnoreCase);
    private bool _complete;

    /// <summary>Reads all keys at once (an import checks many rows); later misses need no query.</summary>
    public async Task PreloadAsync(CancellationToken ct)
    {
        foreach (var id in await db.Regions.AsNoTracking().Select(r => r.Id).ToListAsync(ct))
        {
            _regions[id] = new RegionRef(id, null);
        }
        foreach (var o in await db.Organisations.AsNoTracking().Select(o => new { o.Id, o.RegionId }).ToListAsync(ct))
        {
            _organisations[o.Id] = new OrganisationRef(o.Id, o.RegionId, null);
        }
        foreach (var s in await db.Schools.AsNoTracking().Select(s => new { s.Id, s.RegionId }).ToListAsync(ct))
        {
            _schools[s.Id] = new SchoolRef(s.Id, s.RegionId, null);
        }
        foreach (var p in await db.People.AsNoTracking().Select(p => new PersonRef(p.Id, p.Email, p.RegionId, p.Role)).ToListAsync(ct))
        {
            Remember(p);
        }
        _complete = true;
    }

    public async ValueTask<RegionRef?> RegionAsync(string id, CancellationToken ct)
    {
        if (_regions.TryGetValue(id, out var known) || _complete)
        {
            return known;
        }
        var found = await db.Regions.AsNoTracking().AnyAsync(r => r.Id == id, ct);
        return _regions[id] = found ? new RegionRef(id, null) : null;
    }

    public async ValueTask<OrganisationRef?> OrganisationAsync(string id, CancellationToken ct)
    {
        if (_organisations.TryGetValue(id, out var known) || _complete)
        {
            return known;
        }
        return _organisations[id] = await db.Organisations.AsNoTracking().Where(o => o.Id == id)
            .Select(o => new OrganisationRef(o.Id, o.RegionId, null)).FirstOrDefaultAsync(ct);
    }

    public async ValueTask<SchoolRef?> SchoolAsync(string id, CancellationToken ct)
    {
        if (_schools.TryGetValue(id, out var known) || _complete)
        {
            return known;
        }
        return _schools[id] = await db.Schools.AsNoTracking().Where(s => s.Id == id)
            .Select(s => new SchoolRef(s.Id, s.RegionId, null)).FirstOrDefaultAsync(ct);
    }

    public async ValueTask<PersonRef?> PersonAsync(Guid id, CancellationToken ct)
    {
        if (_people.TryGetValue(id, out var known) || _complete)
        {
            return known;
        }
        var found = await db.People.AsNoTracking().Where(p => p.Id == id)
            .Select(p => new PersonRef(p.Id, p.Email, p.RegionId, p.Role)).FirstOrDefaultAsync(ct);
        if (found is null)
        {
            _people[id] = null;
            return null;
        }
        return Remember(found);
    }

    public async ValueTask<PersonRef?> PersonByEmailAsync(string email, CancellationToken ct)
    {
        var key = DirectoryFormats.NormalizeEmail(email)!;
        if (_emails.TryGetValue(key, out var known) || _complete)
        {
            return known;
        }
        // Stored e-mails may differ in case from what is typed now; they are ASCII (see DirectoryFormats.Email).
        var found = await db.People.AsNoTracking().Where(p => p.Email != null && p.Email.ToLower() == key)
            .Select(p => new PersonRef(p.Id, p.Email, p.RegionId, p.Role)).FirstOrDefaultAsync(ct);
        if (found is null)
        {
            _emails[key] = null;
            return null;
        }
        return Remember(found);
    }

    // Claims load the database entry first, so a pending item can never hide an existing row.
    public async Task ClaimRegionAsync(string id, object owner, CancellationToken ct)
    {
        if (await RegionAsync(id, ct) is null)
        {
            _regions[id] = new RegionRef(id, owner);
        }
    }

    public async Task ClaimOrganisationAsync(string id, string? regionId, object owner, CancellationToken ct)
    {
        if (await OrganisationAsync(id, ct) is null)
        {
            _organisations[id] = new OrganisationRef(id, regionId, owner);
        }
    }

    public async Task ClaimSchoolAsync(string id, string? regionId, object owner, CancellationToken ct)
    {
        if (await SchoolAsync(id, ct) is null)
        {
            _schools[id] = new SchoolRef(id, regionId, owner);
        }
    }

    public async Task ClaimPersonAsync(PersonRef person, CancellationToken ct)
    {
        if (person.Email is { } email && await PersonByEmailAsync(email, ct) is not null)
        {
            // The first one keeps the address; the check of the later one reports the clash.
            _people[person.Id] = person;
            return;
        }
        Remember(person);
    }

    private PersonRef Remember(PersonRef person)
    {
        _people[person.Id] = person;
        if (DirectoryFormats.NormalizeEmail(person.Email) is { } email)
        {
            _emails[email] = person;
        }
        return person;
    }

    // ---- reference checks: each returns the failures, named by field, that need the directory ----

    public async Task<List<ValidationFailure>> CheckNewIdAsync(string kind, string? id, object self, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id))
        {
            return [];
        }
        var owner = kind switch
        {
            "region" => (await RegionAsync(id, ct)) is { } r ? (r.Owner ?? Database) : null,
            "organisation" => (await OrganisationAsync(id, ct)) is { } o ? (o.Owner ?? Database) : null,
            "school" => (await SchoolAsync(id, ct)) is { } s ? (s.Owner ?? Database) : null,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        if (owner is null || ReferenceEquals(owner, self))
        {
            return [];
        }
        if (!ReferenceEquals(owner, Database))
        {
            return [new ValidationFailure("id", $"Id '{id}' komt meer dan eens voor in deze import.")];
        }
        var noun = kind switch { "region" => "een regio", "organisation" => "een organisatie", _ => "een school" };
        return [Clash("id", $"Er bestaat al {noun} met id '{id}'.")];
    }

    public async Task<List<ValidationFailure>> CheckOrganisationAsync(IOrganisationFields organisation, CancellationToken ct)
    {
        var failures = new List<ValidationFailure>();
        if (DirectoryFormats.Blank(organisation.RegionId) is { } regionId && await RegionAsync(regionId, ct) is null)
        {
            failures.Add(new ValidationFailure("regionId", $"Onbekende regio '{regionId}'."));
        }
        return failures;
    }

    /// <summary>Checks the region and the contacts; <paramref name="contacts"/> receives the contacts' person ids.</summary>
    /// <summary>
    /// Issue 17: the region's out-of-hours contact — a known, active person of this region (also one of this import).
    /// Returns the person's id, or null for nobody.
    /// </summary>
    public async Task<(List<ValidationFailure> Failures, Guid? PersonId)> CheckOutOfHoursAsync(string? regionId, IRegionFields region, CancellationToken ct)
    {
        var failures = new List<ValidationFailure>();
        var (field, shown, person) = region.OutOfHoursPersonId is { } id
            ? ("outOfHoursPersonId", id.ToString(), await PersonAsync(id, ct))
            : DirectoryRuleExtensions.Has(region.OutOfHoursEmail) && DirectoryFormats.IsEmail(region.OutOfHoursEmail)
                ? ("outOfHoursEmail", region.OutOfHoursEmail!.Trim(), await PersonByEmailAsync(region.OutOfHoursEmail!, ct))
                : (null, null, null);
        if (field is null)
        {
            return (failures, null);
        }
        if (person is null)
        {
            failures.Add(new ValidationFailure(field, $"Onbekend contact buiten openingstijden '{shown}'."));
        }
        else if (person.RegionId != regionId)
        {
            failures.Add(new ValidationFailure(field, $"Het contact buiten openingstijden '{shown}' hoort niet bij regio '{regionId}'."));
        }
        else if (!person.Pending && !await db.People.AnyAsync(p => p.Id == person.Id && p.Active, ct))
        {
            failures.Add(new ValidationFailure(field, $"Het contact buiten openingstijden '{shown}' is niet actief."));
        }
        return (failures, failures.Count == 0 ? person!.Id : null);
    }

    public async Task<List<ValidationFailure>> CheckSchoolAsync(
        string? regionId, IEnumerable<Guid> contactIds, IEnumerable<string> contactEmails, List<Guid> contacts, CancellationToken ct)
    {
        var failures = new List<ValidationFailure>();
        var regionKnown = !string.IsNullOrEmpty(regionId) && await RegionAsync(regionId, ct) is not null;
        if (!string.IsNullOrEmpty(regionId) && !regionKnown)
        {
            failures.Add(new ValidationFailure("regionId", $"Onbekende regio '{regionId}'."));
        }
        void Add(PersonRef? person, string field, string shown)
        {
            if (person is null)
            {
                failures.Add(new ValidationFailure(field, $"Onbekende contactpersoon '{shown}'."));
            }
            else if (regionKnown && person.RegionId != regionId)
            {
                failures.Add(new ValidationFailure(field, $"Contactpersoon '{shown}' hoort niet bij regio '{regionId}'."));
            }
            else if (!contacts.Contains(person.Id))
            {
                contacts.Add(person.Id);
            }
        }
        foreach (var id in contactIds)
        {
            Add(await PersonAsync(id, ct), "contactIds", id.ToString());
        }
        foreach (var email in contactEmails.Where(DirectoryRuleExtensions.Has))
        {
            if (DirectoryFormats.IsEmail(email))
            {
                Add(await PersonByEmailAsync(email, ct), "contactEmails", email.Trim());
            }
        }
        return failures;
    }

    public async Task<List<ValidationFailure>> CheckPersonAsync(IPersonFields person, Guid self, CancellationToken ct)
    {
        var failures = new List<ValidationFailure>();
        if (DirectoryFormats.IsEmail(person.Email)
            && await PersonByEmailAsync(person.Email!, ct) is { } other && other.Id != self)
        {
            failures.Add(other.Pending
                ? new ValidationFailure("email", $"E-mailadres '{person.Email!.Trim()}' komt meer dan eens voor in deze import.")
                : Clash("email", $"Er is al iemand met e-mailadres '{person.Email!.Trim()}'."));
        }

        var regionId = DirectoryFormats.Blank(person.RegionId);
        var regionKnown = regionId is not null && await RegionAsync(regionId, ct) is not null;
        if (regionId is not null && !regionKnown)
        {
            failures.Add(new ValidationFailure("regionId", $"Onbekende regio '{regionId}'."));
        }
        if (DirectoryFormats.Blank(person.OrganisationId) is { } organisationId)
        {
            var organisation = await OrganisationAsync(organisationId, ct);
            if (organisation is null)
            {
                failures.Add(new ValidationFailure("organisationId", $"Onbekende organisatie '{organisationId}'."));
            }
            else if (organisation.RegionId is not null && regionKnown && organisation.RegionId != regionId)
            {
                failures.Add(new ValidationFailure("organisationId",
                    $"Organisatie '{organisationId}' hoort bij regio '{organisation.RegionId}', niet bij '{regionId}'."));
            }
        }
        if (DirectoryFormats.Blank(person.SchoolId) is { } schoolId && person.Role != PersonRole.Admin)
        {
            var school = await SchoolAsync(schoolId, ct);
            if (school is null)
            {
                failures.Add(new ValidationFailure("schoolId", $"Onbekende school '{schoolId}'."));
            }
            else if (regionKnown && school.RegionId != regionId)
            {
                failures.Add(new ValidationFailure("schoolId", $"School '{schoolId}' ligt niet in regio '{regionId}'."));
            }
        }
        return failures;
    }

    /// <summary>Checks the region and the person; <paramref name="personId"/> receives who is on call.</summary>
    public async Task<(List<ValidationFailure> Failures, Guid? PersonId)> CheckRosterAsync(IRosterFields entry, CancellationToken ct)
    {
        var failures = new List<ValidationFailure>();
        var regionId = DirectoryFormats.Blank(entry.RegionId);
        var regionKnown = regionId is not null && await RegionAsync(regionId, ct) is not null;
        if (regionId is not null && !regionKnown)
        {
            failures.Add(new ValidationFailure("regionId", $"Onbekende regio '{regionId}'."));
        }

        PersonRef? person = null;
        var field = "personId";
        if (entry.PersonId is { } id)
        {
            person = await PersonAsync(id, ct);
        }
        else if (DirectoryFormats.IsEmail(entry.PersonEmail))
        {
            field = "personEmail";
            person = await PersonByEmailAsync(entry.PersonEmail!, ct);
        }
        else
        {
            return (failures, null); // the shape rules already said what is missing
        }
        if (person is null)
        {
            failures.Add(new ValidationFailure(field, $"Onbekende persoon '{entry.PersonId?.ToString() ?? entry.PersonEmail!.Trim()}'."));
        }
        else if (regionKnown && person.RegionId != regionId)
        {
            failures.Add(new ValidationFailure(field, $"Deze persoon hoort niet bij regio '{regionId}'."));
        }
        return (failures, person?.Id);
    }

    private static readonly object Database = new();

    public static ValidationFailure Clash(string field, string message) => new(field, message) { ErrorCode = Conflict };
}

internal static class DirectoryErrors
{
    /// <summary>Throws for the failures of one item: 409 when the only problem is a duplicate, else 400 naming each field.</summary>
    public static void ThrowIfAny(IReadOnlyCollection<ValidationFailure> failures)
    {
        if (failures.Count == 0)
        {
            return;
        }
        if (failures.All(f => f.ErrorCode == DirectoryIndex.Conflict))
        {
            throw new ConflictException(string.Join(" ", failures.Select(f => f.ErrorMessage)));
        }
        throw new ValidationException(failures);
    }

    /// <summary>Saves; a unique index that fires anyway (two admins at once) is a 409, not a 500.</summary>
    public static async Task SaveDirectoryAsync(this AlertHubDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            throw new ConflictException("Een id of e-mailadres is zojuist door iemand anders vastgelegd; er is niets opgeslagen.");
        }
    }
}
