using AlertHub.Infrastructure.Data;
using FluentValidation;
using FluentValidation.Results;
using Mediator;

namespace AlertHub.People;

/// <summary>R9: a partner organisation (politie, jongerenwerk, …); without a region it may serve several.</summary>
internal sealed record CreateOrganisation(string? Id, string? Name, string? RegionId) : ICommand<OrganisationDto>, IOrganisationFields
{
    public async Task<List<ValidationFailure>> CheckAsync(DirectoryIndex index, CancellationToken ct) =>
        [.. await index.CheckNewIdAsync("organisation", Id, this, ct), .. await index.CheckOrganisationAsync(this, ct)];

    public Organisation ToEntity()
    {
        var organisation = new Organisation { Id = Id!, Name = Name! };
        organisation.Apply(this);
        return organisation;
    }
}

internal sealed class CreateOrganisationValidator : AbstractValidator<CreateOrganisation>
{
    public CreateOrganisationValidator()
    {
        RuleFor(o => o.Id).MustBeSlug();
        Include(new OrganisationFieldsValidator());
    }
}

internal sealed class CreateOrganisationHandler(AlertHubDbContext db) : ICommandHandler<CreateOrganisation, OrganisationDto>
{
    public async ValueTask<OrganisationDto> Handle(CreateOrganisation command, CancellationToken ct)
    {
        DirectoryErrors.ThrowIfAny(await command.CheckAsync(new DirectoryIndex(db), ct));
        var organisation = command.ToEntity();
        db.Organisations.Add(organisation);
        await db.SaveDirectoryAsync(ct);
        return organisation.ToDto();
    }
}
