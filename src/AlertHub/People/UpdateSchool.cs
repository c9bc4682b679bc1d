using System.Text.Json.Serialization;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>
/// R9: renames a school, moves it, or replaces its fixed contacts. Leaving out both contactIds and
/// contactEmails keeps the contacts as they are: dropping an alert recipient must be deliberate.
/// </summary>
internal sealed record UpdateSchool(
    string? Name, string? RegionId, IReadOnlyList<Guid>? ContactIds, IReadOnlyList<string>? ContactEmails,
    string? Address = null, string? Phone = null)
    : ICommand<SchoolDto>, ISchoolFields
{
    [JsonIgnore]
    public string Id { get; init; } = "";
}

internal sealed class UpdateSchoolValidator : AbstractValidator<UpdateSchool>
{
    public UpdateSchoolValidator() => Include(new SchoolFieldsValidator());
}

internal sealed class UpdateSchoolHandler(AlertHubDbContext db) : ICommandHandler<UpdateSchool, SchoolDto>
{
    public async ValueTask<SchoolDto> Handle(UpdateSchool command, CancellationToken ct)
    {
        var school = await db.Schools.Include(s => s.Contacts).FirstOrDefaultAsync(s => s.Id == command.Id, ct)
            ?? throw new NotFoundException("School niet gevonden.");
        var keepContacts = command.ContactIds is null && command.ContactEmails is null;
        var contactIds = keepContacts ? school.Contacts.Select(c => c.PersonId).ToList() : command.ContactIds ?? [];
        var contacts = new List<Guid>();
        var regionId = command.RegionId!.Trim();
        DirectoryErrors.ThrowIfAny(await new DirectoryIndex(db).CheckSchoolAsync(regionId, contactIds, command.ContactEmails ?? [], contacts, ct));

        if (regionId != school.RegionId
            && await db.People.AnyAsync(p => p.SchoolId == school.Id && p.RegionId != regionId, ct))
        {
            throw new ConflictException(
                $"Coördinatoren van deze school horen bij een andere regio dan '{regionId}'; verplaats hen eerst.");
        }

        school.Name = command.Name!.Trim();
        school.RegionId = regionId;
        school.Address = DirectoryFormats.Blank(command.Address);
        school.Phone = DirectoryFormats.NormalizePhone(DirectoryFormats.Blank(command.Phone));
        school.Contacts.RemoveAll(c => !contacts.Contains(c.PersonId));
        foreach (var personId in contacts.Where(id => school.Contacts.All(c => c.PersonId != id)))
        {
            school.Contacts.Add(new SchoolContact { SchoolId = school.Id, PersonId = personId });
        }
        await db.SaveDirectoryAsync(ct);
        return school.ToDto();
    }
}
