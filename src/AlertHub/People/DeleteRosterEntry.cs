using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.People;

/// <summary>R9: removes an on-call window (alerts already sent keep their recipients).</summary>
internal sealed record DeleteRosterEntry(Guid Id) : ICommand;

internal sealed class DeleteRosterEntryHandler(AlertHubDbContext db) : ICommandHandler<DeleteRosterEntry>
{
    public async ValueTask<Unit> Handle(DeleteRosterEntry command, CancellationToken ct)
    {
        // Past the change tracker, so the directory version is raised here, in the same transaction (DirectoryCache).
        await using var turn = await SqliteWriteGate.EnterAsync(db, ct);
        SqliteWriteGate.Hold(turn);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var deleted = await db.RosterEntries.Where(r => r.Id == command.Id).ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            throw new NotFoundException("Roosterregel niet gevonden.");
        }
        await DirectoryCache.BumpAsync(db, ct);
        await transaction.CommitAsync(ct);
        return Unit.Value;
    }
}
