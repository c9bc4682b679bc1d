using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>
/// Pushes alerts to the devices of the people involved. Called only after the change is committed:
/// a client never hears of an alert the database does not hold.
/// </summary>
internal sealed class AlertNotifier(IHubContext<AlertsHub, IAlertsClient> hub, AlertHubDbContext db)
{
    public async Task AlertRaisedAsync(Alert alert, CancellationToken ct)
    {
        var audience = await AudienceAsync(alert, everyone: true, ct);
        await hub.Clients.Users(audience).AlertRaised(alert.ToDto());
    }

    /// <summary>Tells people who were added later (escalation) about the alert as if it were new to them.</summary>
    public async Task AlertRaisedToAsync(Alert alert, IEnumerable<Guid> people)
    {
        var ids = people.Select(id => id.ToString()).ToList();
        if (ids.Count > 0)
        {
            await hub.Clients.Users(ids).AlertRaised(alert.ToDto());
        }
    }

    /// <param name="everyone">
    /// False for receipts: only the region's coordinators and team leads follow delivery state, and
    /// telling every partner about every other partner's receipt would be quadratic in recipients.
    /// </param>
    public async Task AlertUpdatedAsync(Alert alert, bool everyone, CancellationToken ct)
    {
        var audience = await AudienceAsync(alert, everyone, ct);
        await hub.Clients.Users(audience).AlertUpdated(alert.ToDto());
    }

    private async Task<List<string>> AudienceAsync(Alert alert, bool everyone, CancellationToken ct)
    {
        var watchers = await db.People
            .Where(p => p.RegionId == alert.RegionId && p.Active
                && (p.Role == PersonRole.Coordinator || p.Role == PersonRole.TeamLead))
            .Select(p => p.Id)
            .ToListAsync(ct);
        var people = everyone ? watchers.Concat(alert.Recipients.Select(r => r.PersonId)) : watchers;
        return people.Distinct().Select(id => id.ToString()).ToList();
    }
}
