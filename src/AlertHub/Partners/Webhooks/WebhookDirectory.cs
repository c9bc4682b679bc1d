using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace AlertHub.Partners.Webhooks;

/// <summary>An organisation with an active webhook and the region it hears of.</summary>
internal sealed record ActiveWebhook(string OrganisationId, string? RegionId);

/// <summary>
/// The active endpoints, read once per few seconds instead of once per save (a raise must not pay a query for a
/// feature most regions do not use). A change on this node is seen at once; on another node within <see cref="CacheFor"/>.
/// </summary>
internal sealed class WebhookDirectory(IServiceScopeFactory scopes, IMemoryCache cache)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private const string Key = "webhooks:active";

    public async Task<IReadOnlyList<ActiveWebhook>> ActiveAsync(CancellationToken ct) =>
        (await cache.GetOrCreateAsync(Key, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            return (IReadOnlyList<ActiveWebhook>)await db.WebhookEndpoints.AsNoTracking().Where(e => e.Active)
                .Join(db.Organisations, e => e.OrganisationId, o => o.Id, (e, o) => new ActiveWebhook(o.Id, o.RegionId))
                .ToListAsync(ct);
        }))!;

    public void Forget() => cache.Remove(Key);
}
