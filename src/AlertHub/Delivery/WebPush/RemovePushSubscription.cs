using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery.WebPush;

/// <summary>The owner ends a subscription (signing out of a browser, a settings screen); pushes not yet sent to it are dropped.</summary>
internal sealed record RemovePushSubscription(Guid CallerId, Guid SubscriptionId) : ICommand, ICallerMessage;

internal sealed class RemovePushSubscriptionHandler(AlertHubDbContext db) : ICommandHandler<RemovePushSubscription>
{
    public async ValueTask<Unit> Handle(RemovePushSubscription command, CancellationToken ct)
    {
        // Someone else's subscription is answered like one that does not exist: ids reveal nothing.
        var removed = await db.PushSubscriptions
            .Where(s => s.Id == command.SubscriptionId && s.PersonId == command.CallerId)
            .ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            throw new NotFoundException("Dit pushabonnement bestaat niet (meer).");
        }
        return Unit.Value;
    }
}
