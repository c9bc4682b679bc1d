using AlertHub.Infrastructure.Data;
using FluentValidation;
using FluentValidation.Results;
using Mediator;

namespace AlertHub.People;

/// <summary>
/// R9: a school in a region with its fixed contacts (wijkagent, jeugdambassadeur, …), who are alerted for
/// this school whoever is on call. Contacts are given by person id or, where ids are not known yet (an
/// import), by e-mail; both must be people of the same region.
/// </summary>
internal sealed record CreateSchool(
    string? Id, string? Name, string? RegionId, IReadOnlyList<Guid>? ContactIds, IReadOnlyList<string>? ContactEmails,
    string? Address = null, string? Phone = null)
    : ICommand<SchoolDto>, ISchoolFields
{
    public async Task<List<ValidationFailure>> CheckAsync(DirectoryIndex index, List<Guid> contacts, CancellationToken ct) =>
    [
        .. await index.CheckNewIdAsync("school", Id, this, ct),
        .. await index.CheckSchoolAsync(DirectoryFormats.Blank(RegionId), ContactIds ?? [], ContactEmails ?? [], contacts, ct),
    ];

    public School ToEntity(IEnumerable<Guid> contacts) => new()
    {
        Id = Id!,
        Name = Name!.Trim(),
        RegionId = RegionId!.Trim(),
        Address = DirectoryFormats.Blank(Address),
        Phone = DirectoryFormats.NormalizePhone(DirectoryFormats.Blank(Phone)),
        Contacts = [.. contacts.Select(personId => new SchoolContact { SchoolId = Id!, PersonId = personId })],
    };
}

internal sealed class CreateSchoolValidator : AbstractValidator<CreateSchool>
{
    public CreateSchoolValidator()
    {
        RuleFor(s => s.Id).MustBeSlug();
        Include(new SchoolFieldsValidator());
    }
}

internal sealed class CreateSchoolHandler(AlertHubDbContext db) : ICommandHandler<CreateSchool, SchoolDto>
{
    public async ValueTask<SchoolDto> Handle(CreateSchool command, CancellationToken ct)
    {
        var contacts = new List<Guid>();
        DirectoryErrors.ThrowIfAny(await command.CheckAsync(new DirectoryIndex(db), contacts, ct));
        var school = command.ToEntity(contacts);
        db.Schools.Add(school);
        await db.SaveDirectoryAsync(ct);
        return school.ToDto();
    }
}
