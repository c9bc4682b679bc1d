using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery.WebPush;

/// <summary>The caller's own subscriptions (a settings screen: "this browser", "other devices").</summary>
internal sealed record GetPushSubscriptions(Guid CallerId) : IQuery<IReadOnlyList<PushSubscriptionDto>>, ICallerMessage;

internal sealed record PushSubscriptionDto(Guid Id, string Endpoint, string Host, Guid? DeviceSessionId, DateTimeOffset CreatedAt, DateTimeOffset? LastSuccessAt, int Failures);

internal sealed class GetPushSubscriptionsHandler(AlertHubDbContext db) : IQueryHandler<GetPushSubscriptions, IReadOnlyList<PushSubscriptionDto>>
{
    public async ValueTask<IReadOnlyList<PushSubscriptionDto>> Handle(GetPushSubscriptions query, CancellationToken ct)
    {
        var rows = await db.PushSubscriptions.AsNoTracking().Where(s => s.PersonId == query.CallerId).ToListAsync(ct);
        return rows.OrderBy(s => s.CreatedAt)
            .Select(s => new PushSubscriptionDto(s.Id, s.Endpoint, new Uri(s.Endpoint).Host, s.DeviceSessionId, s.CreatedAt, s.LastSuccessAt, s.Failures))
            .ToList();
    }
}
