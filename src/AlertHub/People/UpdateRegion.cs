using System.Text.Json.Serialization;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>
/// R9: renames a region or changes its hotline hours; empty hours fall back to the configured default. Issue 17: its
/// hotline days and out-of-hours contact too (an active person of this region, by id or e-mail; empty: nobody).
/// </summary>
internal sealed record UpdateRegion(
    string? Name, string? HotlineOpens, string? HotlineCloses, string? TimeZone,
    string? HotlineDays = null, Guid? OutOfHoursPersonId = null, string? OutOfHoursEmail = null)
    : ICommand<RegionDto>, IRegionFields
{
    [JsonIgnore]
    public string Id { get; init; } = "";
}

internal sealed class UpdateRegionValidator : AbstractValidator<UpdateRegion>
{
    public UpdateRegionValidator() => Include(new RegionFieldsValidator());
}

internal sealed class UpdateRegionHandler(AlertHubDbContext db) : ICommandHandler<UpdateRegion, RegionDto>
{
    public async ValueTask<RegionDto> Handle(UpdateRegion command, CancellationToken ct)
    {
        var region = await db.Regions.FirstOrDefaultAsync(r => r.Id == command.Id, ct)
            ?? throw new NotFoundException("Regio niet gevonden.");
        var (failures, outOfHours) = await new DirectoryIndex(db).CheckOutOfHoursAsync(region.Id, command, ct);
        DirectoryErrors.ThrowIfAny(failures);
        region.Apply(command);
        region.OutOfHoursPersonId = outOfHours;
        await db.SaveDirectoryAsync(ct);
        return region.ToDto();
    }
}
