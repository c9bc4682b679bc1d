using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

// R9: what the admin screens read. The directory of a deployment is small (hundreds to a few thousand
// people), so lists are not paged.

internal sealed record ListRegions : IQuery<IReadOnlyList<RegionDto>>;

internal sealed class ListRegionsHandler(AlertHubDbContext db) : IQueryHandler<ListRegions, IReadOnlyList<RegionDto>>
{
    public async ValueTask<IReadOnlyList<RegionDto>> Handle(ListRegions query, CancellationToken ct) =>
        [.. (await db.Regions.AsNoTracking().OrderBy(r => r.Name).ToListAsync(ct)).Select(r => r.ToDto())];
}

internal sealed record GetRegion(string Id) : IQuery<RegionDto>;

internal sealed class GetRegionHandler(AlertHubDbContext db) : IQueryHandler<GetRegion, RegionDto>
{
    public async ValueTask<RegionDto> Handle(GetRegion query, CancellationToken ct) =>
        (await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == query.Id, ct))?.ToDto()
        ?? throw new NotFoundException("Regio niet gevonden.");
}

internal sealed record ListOrganisations(string? RegionId) : IQuery<IReadOnlyList<OrganisationDto>>;

internal sealed class ListOrganisationsHandler(AlertHubDbContext db) : IQueryHandler<ListOrganisations, IReadOnlyList<OrganisationDto>>
{
    public async ValueTask<IReadOnlyList<OrganisationDto>> Handle(ListOrganisations query, CancellationToken ct)
    {
        var organisations = db.Organisations.AsNoTracking();
        if (query.RegionId is { } regionId)
        {
            organisations = organisations.Where(o => o.RegionId == regionId);
        }
        return [.. (await organisations.OrderBy(o => o.Name).ToListAsync(ct)).Select(o => o.ToDto())];
    }
}

internal sealed record GetOrganisation(string Id) : IQuery<OrganisationDto>;

internal sealed class GetOrganisationHandler(AlertHubDbContext db) : IQueryHandler<GetOrganisation, OrganisationDto>
{
    public async ValueTask<OrganisationDto> Handle(GetOrganisation query, CancellationToken ct) =>
        (await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == query.Id, ct))?.ToDto()
        ?? throw new NotFoundException("Organisatie niet gevonden.");
}

internal sealed record ListSchools(string? RegionId) : IQuery<IReadOnlyList<SchoolDto>>;

internal sealed class ListSchoolsHandler(AlertHubDbContext db) : IQueryHandler<ListSchools, IReadOnlyList<SchoolDto>>
{
    public async ValueTask<IReadOnlyList<SchoolDto>> Handle(ListSchools query, CancellationToken ct)
    {
        var schools = db.Schools.AsNoTracking().Include(s => s.Contacts).AsSplitQuery();
        if (query.RegionId is { } regionId)
        {
            schools = schools.Where(s => s.RegionId == regionId);
        }
        return [.. (await schools.OrderBy(s => s.Name).ToListAsync(ct)).Select(s => s.ToDto())];
    }
}

internal sealed record GetSchool(string Id) : IQuery<SchoolDto>;

internal sealed class GetSchoolHandler(AlertHubDbContext db) : IQueryHandler<GetSchool, SchoolDto>
{
    public async ValueTask<SchoolDto> Handle(GetSchool query, CancellationToken ct) =>
        (await db.Schools.AsNoTracking().Include(s => s.Contacts).FirstOrDefaultAsync(s => s.Id == query.Id, ct))?.ToDto()
        ?? throw new NotFoundException("School niet gevonden.");
}

internal sealed record ListPeople(string? RegionId, PersonRole? Role, string? SchoolId, string? OrganisationId, bool? Active)
    : IQuery<IReadOnlyList<PersonDto>>;

internal sealed class ListPeopleHandler(AlertHubDbContext db) : IQueryHandler<ListPeople, IReadOnlyList<PersonDto>>
{
    public async ValueTask<IReadOnlyList<PersonDto>> Handle(ListPeople query, CancellationToken ct)
    {
        var people = db.People.AsNoTracking();
        if (query.RegionId is { } regionId)
        {
            people = people.Where(p => p.RegionId == regionId);
        }
        if (query.Role is { } role)
        {
            people = people.Where(p => p.Role == role);
        }
        if (query.SchoolId is { } schoolId)
        {
            people = people.Where(p => p.SchoolId == schoolId);
        }
        if (query.OrganisationId is { } organisationId)
        {
            people = people.Where(p => p.OrganisationId == organisationId);
        }
        if (query.Active is { } active)
        {
            people = people.Where(p => p.Active == active);
        }
        var list = await people.OrderBy(p => p.Name).ToListAsync(ct);
        // Identity keys are strings: compare in memory rather than trust the database's text form of a Guid.
        var accounts = (await db.Users.AsNoTracking().Select(u => u.Id).ToListAsync(ct))
            .Select(id => Guid.TryParse(id, out var g) ? g : Guid.Empty)
            .ToHashSet();
        return [.. list.Select(p => p.ToDto(accounts.Contains(p.Id)))];
    }
}

internal sealed record GetPerson(Guid Id) : IQuery<PersonDto>;

internal sealed class GetPersonHandler(AlertHubDbContext db) : IQueryHandler<GetPerson, PersonDto>
{
    public async ValueTask<PersonDto> Handle(GetPerson query, CancellationToken ct)
    {
        var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == query.Id, ct)
            ?? throw new NotFoundException("Persoon niet gevonden.");
        var userId = person.Id.ToString();
        return person.ToDto(await db.Users.AnyAsync(u => u.Id == userId, ct));
    }
}

/// <summary>Roster entries, optionally only those of one region or person, or those covering one instant.</summary>
internal sealed record ListRoster(string? RegionId, Guid? PersonId, DateTimeOffset? At) : IQuery<IReadOnlyList<RosterEntryDto>>;

internal sealed class ListRosterHandler(AlertHubDbContext db) : IQueryHandler<ListRoster, IReadOnlyList<RosterEntryDto>>
{
    public async ValueTask<IReadOnlyList<RosterEntryDto>> Handle(ListRoster query, CancellationToken ct)
    {
        var entries = db.RosterEntries.AsNoTracking().Include(r => r.Person).AsQueryable();
        if (query.RegionId is { } regionId)
        {
            entries = entries.Where(r => r.RegionId == regionId);
        }
        if (query.PersonId is { } personId)
        {
            entries = entries.Where(r => r.PersonId == personId);
        }
        if (query.At is { } at)
        {
            entries = entries.Where(r => r.From <= at && r.Until > at);
        }
        return [.. (await entries.OrderBy(r => r.From).ThenBy(r => r.RegionId).ToListAsync(ct)).Select(r => r.ToDto())];
    }
}

internal sealed record GetRosterEntry(Guid Id) : IQuery<RosterEntryDto>;

internal sealed class GetRosterEntryHandler(AlertHubDbContext db) : IQueryHandler<GetRosterEntry, RosterEntryDto>
{
    public async ValueTask<RosterEntryDto> Handle(GetRosterEntry query, CancellationToken ct) =>
        (await db.RosterEntries.AsNoTracking().Include(r => r.Person).FirstOrDefaultAsync(r => r.Id == query.Id, ct))?.ToDto()
        ?? throw new NotFoundException("Roosterregel niet gevonden.");
}
