using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using AlertHub.People;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>Someone to call: a name, what they are, and a professional number (never a private one: only numbers kept for the work).</summary>
internal sealed record ContactDto(string Name, string? Organisation, Discipline? Discipline, string? Phone);

/// <summary>Where to go and whom to call for one alert: the school (address, map link, number) and the coordinator who raised it.</summary>
internal sealed record AlertContactsDto(string SchoolName, string? Address, string? MapUrl, string? SchoolPhone, ContactDto Coordinator);

/// <summary>What a coordinator needs when the alert does not get through: 112, the school's number and its fixed contacts.</summary>
internal sealed record SchoolContactsDto(string SchoolId, string SchoolName, string? Address, string? SchoolPhone, IReadOnlyList<ContactDto> Contacts);

/// <summary>
/// Need-to-know: the recipients of an open alert (they are on their way) and the region's coordinators and team lead.
/// A recipient of a closed alert, or anyone else, gets 404 as for an alert that does not exist.
/// </summary>
internal sealed record GetAlertContacts(Guid CallerId, Guid AlertId) : IQuery<AlertContactsDto>, ICallerMessage;

internal sealed class GetAlertContactsHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<GetAlertContacts, AlertContactsDto>
{
    public async ValueTask<AlertContactsDto> Handle(GetAlertContacts query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var alert = await db.Alerts.AsNoTracking().Include(a => a.Recipients)
            .FirstOrDefaultAsync(a => a.Id == query.AlertId && a.RegionId == caller.RegionId, ct);
        if (alert is null || !(caller.IsWatcher() || (alert.IsOpen && alert.RecipientFor(caller.Id) is not null)))
        {
            throw new NotFoundException("Melding niet gevonden.");
        }
        var school = await db.Schools.AsNoTracking().FirstOrDefaultAsync(s => s.Id == alert.SchoolId, ct);
        var raiser = await db.People.AsNoTracking().Include(p => p.Organisation).FirstOrDefaultAsync(p => p.Id == alert.RaisedById, ct);
        return new AlertContactsDto(
            school?.Name ?? alert.SchoolName,
            school?.Address,
            Maps.LinkFor(school?.Address),
            school?.Phone,
            new ContactDto(raiser?.Name ?? alert.RaisedByName, raiser?.Organisation?.Name, raiser?.Discipline, raiser?.Active == true ? raiser.Phone : null));
    }
}

/// <summary>The caller's own school (a coordinator): kept by the app for the moment the network is gone.</summary>
[Allowed("Alleen een coördinator heeft hier een eigen school.", PersonRole.Coordinator)]
internal sealed record GetMySchoolContacts(Guid CallerId) : IQuery<SchoolContactsDto>, ICallerMessage;

internal sealed class GetMySchoolContactsHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<GetMySchoolContacts, SchoolContactsDto>
{
    public async ValueTask<SchoolContactsDto> Handle(GetMySchoolContacts query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var school = caller.SchoolId is null ? null : await db.Schools.AsNoTracking()
            .Include(s => s.Contacts).ThenInclude(c => c.Person).ThenInclude(p => p!.Organisation)
            .FirstOrDefaultAsync(s => s.Id == caller.SchoolId && s.RegionId == caller.RegionId, ct);
        if (school is null)
        {
            throw new NotFoundException("U bent niet aan een school gekoppeld.");
        }
        var contacts = school.Contacts
            .Select(c => c.Person!)
            .Where(p => p.Active && p.Phone is not null)
            .OrderBy(p => p.Discipline).ThenBy(p => p.Name, StringComparer.Create(System.Globalization.CultureInfo.GetCultureInfo("nl-NL"), true))
            .Select(p => new ContactDto(p.Name, p.Organisation?.Name, p.Discipline, p.Phone))
            .ToList();
        return new SchoolContactsDto(school.Id, school.Name, school.Address, school.Phone, contacts);
    }
}

internal static class Maps
{
    /// <summary>A map search for the address (OpenStreetMap: no account, no tracking script; phones offer their own map app for it).</summary>
    public static string? LinkFor(string? address) =>
        string.IsNullOrWhiteSpace(address) ? null : $"https://www.openstreetmap.org/search?query={Uri.EscapeDataString(address)}";
}
