using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

internal enum ReceiptOutcome
{
    /// <summary>This receipt was the first for the person and is now stored.</summary>
    Stored,

    /// <summary>Stored earlier (another device, another node, an answer).</summary>
    AlreadyReceived,

    /// <summary>The person is not (yet) a recipient of the alert, or not active.</summary>
    NotRecipient,
}

/// <summary>
/// Receipts through the node's <see cref="GroupCommit"/> (issue 16): ten recipients confirming within the same
/// milliseconds cost one transaction, one version step and one push to the followers per alert, not ten of each.
/// The answer comes after the commit, so a confirmed receipt is durable (the SMS fallback cannot text a person
/// whose device said it had the alert).
/// </summary>
internal sealed class ReceiptWriter(GroupCommit group, TimeProvider time, AlertHubMetrics metrics)
{
    public async Task<ReceiptOutcome> StoreAsync(Guid alertId, Guid personId, CancellationToken ct)
    {
        var outcome = await group.WriteAsync(async (db, _) =>
        {
            // Tracked: a second receipt of the same person in this group finds the first one's mark.
            // Only an active person's receipt counts: a token outlives a deactivation by a few minutes.
            var recipient = await db.Recipients.FirstOrDefaultAsync(
                r => r.AlertId == alertId && r.PersonId == personId && db.People.Any(p => p.Id == personId && p.Active), CancellationToken.None);
            if (recipient is null)
            {
                return ReceiptOutcome.NotRecipient;
            }
            if (recipient.ReceivedAt is not null)
            {
                return ReceiptOutcome.AlreadyReceived;
            }
            recipient.MarkReceived(time.Now());
            return ReceiptOutcome.Stored;
        }, ct);
        if (outcome == ReceiptOutcome.Stored)
        {
            metrics.ReceiptConfirmed();
        }
        return outcome;
    }
}
