using System.Text.Json.Serialization;
using AlertHub.Infrastructure.Data;
using FluentValidation;
using Mediator;

namespace AlertHub.People;

/// <summary>
/// R9: puts someone of the region on call from <c>from</c> until <c>until</c> (ISO 8601 with offset);
/// backups are alerted on escalation. The person is given by id or, as in an import, by e-mail.
/// </summary>
internal sealed record CreateRosterEntry(
    string? RegionId,
    Guid? PersonId,
    string? PersonEmail,
    [property: JsonConverter(typeof(StrictInstantConverter))] DateTimeOffset? From,
    [property: JsonConverter(typeof(StrictInstantConverter))] DateTimeOffset? Until,
    bool? IsBackup) : ICommand<RosterEntryDto>, IRosterFields
{
    public RosterEntry ToEntity(Guid personId)
    {
        var entry = new RosterEntry { RegionId = RegionId!, PersonId = personId, From = From!.Value, Until = Until!.Value };
        entry.Apply(this, personId, IsBackup ?? false);
        return entry;
    }
}

internal sealed class CreateRosterEntryValidator : AbstractValidator<CreateRosterEntry>
{
    public CreateRosterEntryValidator() => Include(new RosterFieldsValidator());
}

internal sealed class CreateRosterEntryHandler(AlertHubDbContext db) : ICommandHandler<CreateRosterEntry, RosterEntryDto>
{
    public async ValueTask<RosterEntryDto> Handle(CreateRosterEntry command, CancellationToken ct)
    {
        var (failures, personId) = await new DirectoryIndex(db).CheckRosterAsync(command, ct);
        DirectoryErrors.ThrowIfAny(failures);
        var entry = command.ToEntity(personId!.Value);
        db.RosterEntries.Add(entry);
        await db.SaveDirectoryAsync(ct);
        await db.Entry(entry).Reference(e => e.Person).LoadAsync(ct);
        return entry.ToDto();
    }
}
