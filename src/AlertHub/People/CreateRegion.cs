using AlertHub.Infrastructure.Data;
using FluentValidation;
using Mediator;

namespace AlertHub.People;

/// <summary>R9: a new region (one safety network), optionally with hotline hours of its own.</summary>
internal sealed record CreateRegion(
    string? Id, string? Name, string? HotlineOpens, string? HotlineCloses, string? TimeZone,
    string? HotlineDays = null, Guid? OutOfHoursPersonId = null, string? OutOfHoursEmail = null)
    : ICommand<RegionDto>, IRegionFields
{
    public Region ToEntity()
    {
        var region = new Region { Id = Id!, Name = Name! };
        region.Apply(this);
        return region;
    }
}

internal sealed class CreateRegionValidator : AbstractValidator<CreateRegion>
{
    public CreateRegionValidator()
    {
        RuleFor(r => r.Id).MustBeSlug();
        Include(new RegionFieldsValidator());
    }
}

internal sealed class CreateRegionHandler(AlertHubDbContext db) : ICommandHandler<CreateRegion, RegionDto>
{
    public async ValueTask<RegionDto> Handle(CreateRegion command, CancellationToken ct)
    {
        var index = new DirectoryIndex(db);
        DirectoryErrors.ThrowIfAny(await index.CheckNewIdAsync("region", command.Id, command, ct));
        // Nobody belongs to a region before it exists: a contact given here is refused by the check (import can link one).
        var (failures, _) = await index.CheckOutOfHoursAsync(command.Id, command, ct);
        DirectoryErrors.ThrowIfAny(failures);
        var region = command.ToEntity();
        db.Regions.Add(region);
        await db.SaveDirectoryAsync(ct);
        return region.ToDto();
    }
}
