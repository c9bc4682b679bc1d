using System.Security.Claims;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace AlertHub.Accounts;

/// <summary>
/// Every access token carries its person's security stamp. When an admin ends a person's sessions (or their
/// name or role changes) the stamp changes, and a token with the old one is refused from the next request on
/// (within <see cref="CacheFor"/> on every node): a stolen token stops working without waiting for it to expire.
/// </summary>
internal sealed class SessionStamps(IMemoryCache cache, IServiceScopeFactory scopes)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);

    public static string? Of(ClaimsPrincipal user) => user.FindFirstValue(new ClaimsIdentityOptions().SecurityStampClaimType);

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var stamp = Of(user);
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (stamp is null || id is null)
        {
            return true; // a token without a stamp (none are issued so) is judged by the rest of the checks
        }
        var current = await cache.GetOrCreateAsync("stamp:" + id, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            return await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => u.SecurityStamp).FirstOrDefaultAsync(ct);
        });
        return current == stamp;
    }

    public void Forget(Guid personId) => cache.Remove("stamp:" + personId);

    /// <summary>After authentication: a signed-in request whose stamp is no longer the person's is 401 "Sessie beëindigd".</summary>
    public static async Task CheckAsync(HttpContext context, Func<Task> next)
    {
        if (context.User.Identity?.IsAuthenticated == true
            && !await context.RequestServices.GetRequiredService<SessionStamps>().IsCurrentAsync(context.User, context.RequestAborted))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sessie beëindigd",
                detail: "Deze sessie is beëindigd; log opnieuw in.").ExecuteAsync(context);
            return;
        }
        await next();
    }
}
