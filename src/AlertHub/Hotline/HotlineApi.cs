using System.Security.Claims;
using AlertHub.Accounts;
using AlertHub.Alerts;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Hotline;

/// <summary>
/// Whether the caller's hotline is open now: the coordinator's home screen says so BEFORE the tap (closed: the
/// partners get the alert in the app but no SMS — call 112 in acute danger), not only in the answer to it.
/// </summary>
internal static class HotlineApi
{
    public static IEndpointRouteBuilder MapHotline(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/hotline", Get).WithTags("Hotline").RequireAuthorization();
        return app;
    }

    private static async Task<Ok<HotlineDto>> Get(ClaimsPrincipal user, AlertHubDbContext db, Callers callers, TimeProvider time, IOptions<HotlineOptions> defaults, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(user.PersonId(), ct);
        var region = caller.RegionId is { } id ? await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct) : null;
        var hours = HotlineHours.For(defaults.Value, region);
        var now = time.Now();
        var open = hours.IsOpenAt(now);
        // Issue 17: who gets the alert outside hours, for the coordinators and team lead to see before and after the tap.
        var outOfHours = region?.OutOfHoursPersonId is { } contactId && caller.IsWatcher()
            ? await db.People.AsNoTracking().Where(p => p.Id == contactId && p.Active)
                .Select(p => new ContactDto(p.Name, p.Organisation != null ? p.Organisation.Name : null, p.Discipline, p.Phone)).FirstOrDefaultAsync(ct)
            : null;
        return TypedResults.Ok(new HotlineDto(open, hours.Opens.ToString("HH\\:mm"), hours.Closes.ToString("HH\\:mm"), hours.TimeZone.Id,
            open ? null : hours.NextOpening(now), open ? null : HotlineHours.ClosedNotice, outOfHours));
    }
}

/// <param name="NextOpening">When it opens next (UTC), while it is closed.</param>
/// <param name="Notice">The Dutch notice the coordinator sees while it is closed, with 112.</param>
/// <param name="OutOfHours">Issue 17: the region's out-of-hours contact (coordinators and team lead only), who gets the alert while it is closed.</param>
internal sealed record HotlineDto(bool Open, string Opens, string Closes, string TimeZone, DateTimeOffset? NextOpening, string? Notice, ContactDto? OutOfHours = null);
