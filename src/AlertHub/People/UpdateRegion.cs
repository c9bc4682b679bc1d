using System.Text.Json.Serialization;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>R9: renames a region or changes its hotline hours; empty hours fall back to the configured default.</summary>
internal sealed record UpdateRegion(string? Name, string? HotlineOpens, string? HotlineCloses, string? TimeZone)
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
        region.Apply(command);
        await db.SaveDirectoryAsync(ct);
        return region.ToDto();
    }
}
