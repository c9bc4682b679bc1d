using System.Collections.Concurrent;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>R3: a device confirms an alert reached it; this is what stops the SMS fallback. Send it through <see cref="ReceiptsSeen.ConfirmOnceAsync"/>.</summary>
internal sealed record ConfirmReceipt(Guid CallerId, Guid AlertId) : ICommand<ReceiptOutcome>, ICallerMessage;

internal sealed class ConfirmReceiptHandler(AlertHubDbContext db, ReceiptWriter receipts, Callers callers)
    : ICommandHandler<ConfirmReceipt, ReceiptOutcome>
{
    public async ValueTask<ReceiptOutcome> Handle(ConfirmReceipt command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        var outcome = await receipts.StoreAsync(command.AlertId, caller.Id, ct);
        if (outcome == ReceiptOutcome.NotRecipient)
        {
            // Coordinators and team leads receive every alert of their region but are not all recipients;
            // anyone else asking about an alert they may not see hears it does not exist.
            var visible = caller.IsWatcher() && caller.RegionId is { } region
                && await db.Alerts.AnyAsync(a => a.Id == command.AlertId && a.RegionId == region, ct);
            if (!visible)
            {
                throw new NotFoundException("Melding niet gevonden.");
            }
        }
        return outcome;
    }
}

/// <summary>
/// Which (alert, person) receipts this node has already stored or is storing. Only a shortcut: a miss falls back to
/// the database, which stays the authority, so the set may be cleared at any time.
/// </summary>
internal sealed class ReceiptsSeen(ReceiptWriter receipts)
{
    private const int Capacity = 100_000;
    private readonly ConcurrentDictionary<(Guid Alert, Guid Person), byte> _claims = new();

    // ConcurrentDictionary.Count takes every bucket lock: asked on each of 20,000 receipts a second it was the
    // hub's hottest spot in the issue-16 profile. The size is counted here instead, and a repeat is answered by
    // a lock-free lookup.
    private int _count;

    public bool TryClaim(Guid alertId, Guid personId)
    {
        var key = (alertId, personId);
        if (_claims.ContainsKey(key))
        {
            return false;
        }
        if (Volatile.Read(ref _count) >= Capacity)
        {
            _claims.Clear();
            Volatile.Write(ref _count, 0);
        }
        if (!_claims.TryAdd(key, 0))
        {
            return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }

    public void Release(Guid alertId, Guid personId)
    {
        if (_claims.TryRemove((alertId, personId), out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>
    /// Every device of a person confirms the same alert, all within milliseconds: only the first goes on, and
    /// before the pipeline even looks the caller up (at 2,000 devices × 10 alerts/s that lookup alone was 20,000
    /// queries a second, issue 16). Only a stored receipt stays claimed: a watcher may become a recipient later
    /// (escalation) and must be heard then, and a failed store is tried again by the next device.
    /// The first goes straight to the writer, which stores it only for an active recipient (one query in the group
    /// commit); only what that does not settle — not a recipient, not active — takes the full pipeline, which
    /// refuses with the reason (the caller lookup per receipt was the biggest database item on a PostgreSQL node).
    /// </summary>
    public async Task ConfirmOnceAsync(IMediator mediator, Guid personId, Guid alertId, CancellationToken ct)
    {
        if (!TryClaim(alertId, personId))
        {
            return;
        }
        var keep = false;
        try
        {
            keep = await receipts.StoreAsync(alertId, personId, ct) is ReceiptOutcome.Stored or ReceiptOutcome.AlreadyReceived
                || await mediator.Send(new ConfirmReceipt(personId, alertId), ct) is ReceiptOutcome.Stored or ReceiptOutcome.AlreadyReceived;
        }
        finally
        {
            if (!keep)
            {
                Release(alertId, personId);
            }
        }
    }
}
