using System.Collections.Concurrent;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.Infrastructure;
using Mediator;

namespace AlertHub.Alerts;

/// <summary>R3: a device confirms an alert reached it; this is what stops the SMS fallback.</summary>
internal sealed record ConfirmReceipt(Guid CallerId, Guid AlertId) : ICommand<bool>, ICallerMessage;

internal sealed class ConfirmReceiptHandler(AlertHubDbContext db, TimeProvider time, ReceiptsSeen seen,
    AlertHubMetrics metrics,
    Callers callers)
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
            var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
            // Coordinators and team leads receive every alert of their region but are not all recipients.
            var recipient = alert.RecipientFor(caller.Id);
            if (recipient is null)
            {
                return false;
            }
            if (recipient.ReceivedAt is not null)
            {
                received = true;
                return false;
            }
            recipient.MarkReceived(time.Now());
            await db.SaveChangesAsync(ct);
            received = true;
            metrics.ReceiptConfirmed();
            return true;
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
