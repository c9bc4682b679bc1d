using AlertHub.Accounts;
using AlertHub.Infrastructure.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery.WebPush;

/// <summary>
/// A device that was ended (lost phone, signed out, ended by the admin) gets no more pushes: its subscriptions go
/// in the same save that ends the session.
/// </summary>
internal sealed class EndDevicePush(AlertHubDbContext db) : INotificationHandler<DeviceSessionEnded>
{
    public async ValueTask Handle(DeviceSessionEnded ended, CancellationToken ct)
    {
        var subscriptions = await db.PushSubscriptions
            .Where(s => s.PersonId == ended.PersonId && s.DeviceSessionId == ended.DeviceSessionId)
            .ToListAsync(ct);
        db.PushSubscriptions.RemoveRange(subscriptions);
    }
}
