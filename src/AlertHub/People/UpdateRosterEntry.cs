using System.Text.Json.Serialization;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>R9: moves, shortens or reassigns an on-call window.</summary>
internal sealed record UpdateRosterEntry(
    string? RegionId,
    Guid? PersonId,
    string? PersonEmail,
    [property: JsonConverter(typeof(StrictInstantConverter))] DateTimeOffset? From,
    [property: JsonConverter(typeof(StrictInstantConverter))] DateTimeOffset? Until,
    bool? IsBackup) : ICommand<RosterEntryDto>, IRosterFields
{
    [JsonIgnore]
    public Guid Id { get; init; }
}

internal sealed class UpdateRosterEntryValidator : AbstractValidator<UpdateRosterEntry>
{
    public UpdateRosterEntryValidator() => Include(new RosterFieldsValidator());
}

internal sealed class UpdateRosterEntryHandler(AlertHubDbContext db) : ICommandHandler<UpdateRosterEntry, RosterEntryDto>
{
    public async ValueTask<RosterEntryDto> Handle(UpdateRosterEntry command, CancellationToken ct)
    {
        var entry = await db.RosterEntries.FirstOrDefaultAsync(r => r.Id == command.Id, ct)
            ?? throw new NotFoundException("Roosterregel niet gevonden.");
        var (failures, personId) = await new DirectoryIndex(db).CheckRosterAsync(command, ct);
        DirectoryErrors.ThrowIfAny(failures);
        entry.Apply(command, personId!.Value, command.IsBackup ?? false);
        await db.SaveDirectoryAsync(ct);
        await db.Entry(entry).Reference(e => e.Person).LoadAsync(ct);
        return entry.ToDto();
    }
}
