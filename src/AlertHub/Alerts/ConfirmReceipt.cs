using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Outbox;
using Mediator;

namespace AlertHub.Alerts;

/// <summary>R3: a device confirms an alert reached it; this is what stops the SMS fallback.</summary>
internal sealed record ConfirmReceipt(Guid CallerId, Guid AlertId) : ICommand<bool>;

internal sealed class ConfirmReceiptHandler(AlertHubDbContext db, AlertNotifier notifier, TimeProvider time)
    : ICommandHandler<ConfirmReceipt, bool>
{
    public async ValueTask<bool> Handle(ConfirmReceipt command, CancellationToken ct)
    {
        var caller = await db.CallerAsync(command.CallerId, ct);
        var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
        // Coordinators and team leads receive every alert of their region but are not all recipients.
        var recipient = alert.RecipientFor(caller.Id);
        if (recipient is null || recipient.ReceivedAt is not null)
        {
            return false;
        }
        recipient.MarkReceived(time.Now());
        await notifier.StageAsync(alert, OutboxKind.Updated, everyone: false, ct: ct);
        await db.SaveChangesAsync(ct);
        notifier.Flush();
        return true;
    }
}
