using System.Text.Json.Serialization;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>R9: renames an organisation or moves it to (or out of) a region.</summary>
internal sealed record UpdateOrganisation(string? Name, string? RegionId) : ICommand<OrganisationDto>, IOrganisationFields
{
    [JsonIgnore]
    public string Id { get; init; } = "";
}

internal sealed class UpdateOrganisationValidator : AbstractValidator<UpdateOrganisation>
{
    public UpdateOrganisationValidator() => Include(new OrganisationFieldsValidator());
}

internal sealed class UpdateOrganisationHandler(AlertHubDbContext db) : ICommandHandler<UpdateOrganisation, OrganisationDto>
{
    public async ValueTask<OrganisationDto> Handle(UpdateOrganisation command, CancellationToken ct)
    {
        var organisation = await db.Organisations.FirstOrDefaultAsync(o => o.Id == command.Id, ct)
            ?? throw new NotFoundException("Organisatie niet gevonden.");
        DirectoryErrors.ThrowIfAny(await new DirectoryIndex(db).CheckOrganisationAsync(command, ct));

        var regionId = DirectoryFormats.Blank(command.RegionId);
        if (regionId is not null && regionId != organisation.RegionId
            && await db.People.AnyAsync(p => p.OrganisationId == organisation.Id && p.RegionId != null && p.RegionId != regionId, ct))
        {
            throw new ConflictException(
                $"Er zijn mensen van deze organisatie buiten regio '{regionId}'; verplaats hen eerst of laat de regio leeg.");
        }
        organisation.Apply(command);
        await db.SaveDirectoryAsync(ct);
        return organisation.ToDto();
    }
}
