using System.Collections.Concurrent;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>R3: a device confirms an alert reached it; this is what stops the SMS fallback.</summary>
internal sealed record ConfirmReceipt(Guid CallerId, Guid AlertId) : ICommand<bool>, ICallerMessage;

internal sealed class ConfirmReceiptHandler(AlertHubDbContext db, ReceiptsSeen seen, ReceiptWriter receipts, Callers callers)
    : ICommandHandler<ConfirmReceipt, bool>
{
    public async ValueTask<bool> Handle(ConfirmReceipt command, CancellationToken ct)
    {
        // Every device of a person confirms the same alert, all within milliseconds. Only the first needs the
        // database; without this each extra device cost four queries, and the benchmark's fan-out stalled on it.
        if (!seen.TryClaim(command.AlertId, command.CallerId))
        {
            return false;
        }
        var received = false;
        try
        {
            var caller = await callers.ActiveAsync(command.CallerId, ct);
            switch (await receipts.StoreAsync(command.AlertId, caller.Id, ct))
            {
                case ReceiptOutcome.Stored:
                    received = true;
                    return true;
                case ReceiptOutcome.AlreadyReceived:
                    received = true;
                    return false;
                default:
                    // Coordinators and team leads receive every alert of their region but are not all recipients;
                    // anyone else asking about an alert they may not see hears it does not exist.
                    var visible = caller.IsWatcher() && caller.RegionId is { } region
                        && await db.Alerts.AnyAsync(a => a.Id == command.AlertId && a.RegionId == region, ct);
                    return visible ? false : throw new NotFoundException("Melding niet gevonden.");
            }
        }
        finally
        {
            // Only a stored receipt is remembered: a watcher may become a recipient later (escalation) and must be heard then.
            if (!received)
            {
                seen.Release(command.AlertId, command.CallerId);
            }
        }
    }
}

/// <summary>
/// Which (alert, person) receipts this node has already stored or is storing. Only a shortcut: a miss falls back to
/// the database, which stays the authority, so the set may be cleared at any time.
/// </summary>
internal sealed class ReceiptsSeen
{
    private const int Capacity = 100_000;
    private readonly ConcurrentDictionary<(Guid Alert, Guid Person), byte> _claims = new();

    public bool TryClaim(Guid alertId, Guid personId)
    {
        if (_claims.Count >= Capacity)
        {
            _claims.Clear();
        }
        return _claims.TryAdd((alertId, personId), 0);
    }

    public void Release(Guid alertId, Guid personId) => _claims.TryRemove((alertId, personId), out _);
}
