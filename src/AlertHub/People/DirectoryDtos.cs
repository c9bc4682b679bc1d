using AlertHub.Client;

namespace AlertHub.People;

internal sealed record RegionDto(
    string Id, string Name, string? HotlineOpens, string? HotlineCloses, string? TimeZone, string? HotlineDays = null, Guid? OutOfHoursPersonId = null);

internal sealed record OrganisationDto(string Id, string Name, string? RegionId);

internal sealed record SchoolDto(string Id, string Name, string RegionId, IReadOnlyList<Guid> ContactIds, string? Address, string? Phone);

internal sealed record PersonDto(
    Guid Id,
    string Name,
    string? Email,
    PersonRole Role,
    Discipline? Discipline,
    string? Phone,
    string? OrganisationId,
    string? RegionId,
    string? SchoolId,
    bool Active,
    bool HasAccount);

internal sealed record RosterEntryDto(
    Guid Id,
    string RegionId,
    Guid PersonId,
    string? PersonName,
    DateTimeOffset From,
    DateTimeOffset Until,
    bool IsBackup);

/// <summary>What an import wrote, per kind.</summary>
internal sealed record ImportResult(int Regions, int Organisations, int Schools, int People, int Roster, int Contacts, int Accounts);

internal static class DirectoryMapping
{
    public static RegionDto ToDto(this Region r) =>
        new(r.Id, r.Name, DirectoryFormats.FormatClock(r.HotlineOpens), DirectoryFormats.FormatClock(r.HotlineCloses), r.TimeZone,
            r.HotlineDays, r.OutOfHoursPersonId);

    public static OrganisationDto ToDto(this Organisation o) => new(o.Id, o.Name, o.RegionId);

    public static SchoolDto ToDto(this School s) =>
        new(s.Id, s.Name, s.RegionId, [.. s.Contacts.Select(c => c.PersonId).Order()], s.Address, s.Phone);

    public static PersonDto ToDto(this Person p, bool hasAccount) =>
        new(p.Id, p.Name, p.Email, p.Role, p.Discipline, p.Phone, p.OrganisationId, p.RegionId, p.SchoolId, p.Active, hasAccount);

    public static RosterEntryDto ToDto(this RosterEntry r) =>
        new(r.Id, r.RegionId, r.PersonId, r.Person?.Name, r.From, r.Until, r.IsBackup);

    public static void Apply(this Region region, IRegionFields fields)
    {
        region.Name = fields.Name!.Trim();
        region.HotlineOpens = DirectoryFormats.ParseClock(DirectoryFormats.Blank(fields.HotlineOpens));
        region.HotlineCloses = DirectoryFormats.ParseClock(DirectoryFormats.Blank(fields.HotlineCloses));
        region.TimeZone = DirectoryFormats.Blank(fields.TimeZone);
        region.HotlineDays = DirectoryFormats.Blank(fields.HotlineDays)?.Replace(" ", "", StringComparison.Ordinal);
    }

    public static void Apply(this Organisation organisation, IOrganisationFields fields)
    {
        organisation.Name = fields.Name!.Trim();
        organisation.RegionId = DirectoryFormats.Blank(fields.RegionId);
    }

    public static void Apply(this Person person, IPersonFields fields)
    {
        person.Name = fields.Name!.Trim();
        person.Email = DirectoryFormats.NormalizeEmail(fields.Email);
        person.Role = fields.Role!.Value;
        person.Discipline = fields.Discipline;
        person.Phone = DirectoryFormats.NormalizePhone(fields.Phone);
        person.OrganisationId = DirectoryFormats.Blank(fields.OrganisationId);
        person.RegionId = DirectoryFormats.Blank(fields.RegionId);
        person.SchoolId = person.Role == PersonRole.Admin ? null : DirectoryFormats.Blank(fields.SchoolId);
    }

    public static void Apply(this RosterEntry entry, IRosterFields fields, Guid personId, bool isBackup)
    {
        entry.RegionId = fields.RegionId!.Trim();
        entry.PersonId = personId;
        entry.From = fields.From!.Value.ToUniversalTime();
        entry.Until = fields.Until!.Value.ToUniversalTime();
        entry.IsBackup = isBackup;
    }
}
