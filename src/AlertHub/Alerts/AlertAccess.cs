using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>Loads people and alerts with the region rule applied: outside your region an alert does not exist.</summary>
internal static class AlertAccess
{
    public static IQueryable<Alert> WithDetails(this IQueryable<Alert> alerts) =>
        alerts.Include(a => a.Recipients).Include(a => a.Updates).AsSplitQuery();

    /// <summary>
    /// The alert by id under the same rule as <see cref="VisibleTo"/> (need-to-know, one rule for get and list):
    /// coordinators and team leads see their region's alerts, everyone else only the alerts sent to them.
    /// Anything else does not exist for the caller (404, not 403).
    /// </summary>
    public static async Task<Alert> AlertInRegionAsync(this AlertHubDbContext db, Guid alertId, Person caller, CancellationToken ct)
    {
        var alert = await db.Alerts.WithDetails().FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null || !MaySee(caller, alert))
        {
            throw new NotFoundException("Melding niet gevonden.");
        }
        return alert;
    }

    public static bool MaySee(Person caller, Alert alert) =>
        caller.RegionId is not null && alert.RegionId == caller.RegionId
        && (caller.IsWatcher() || alert.Recipients.Any(r => r.PersonId == caller.Id));

    public static bool IsWatcher(this Person person) => person.Role is PersonRole.Coordinator or PersonRole.TeamLead;

    /// <summary>Alerts a person may list: all of the region for coordinators and team leads, else those sent to them.</summary>
    public static IQueryable<Alert> VisibleTo(this IQueryable<Alert> alerts, Person caller) =>
        caller.RegionId is null
            ? alerts.Where(_ => false)
            : caller.IsWatcher()
                ? alerts.Where(a => a.RegionId == caller.RegionId)
                : alerts.Where(a => a.RegionId == caller.RegionId && a.Recipients.Any(r => r.PersonId == caller.Id));

    /// <summary>
    /// The same rule for a partner system (R16): an API client sees the alerts of its region that its
    /// organisation received (a recipient of that organisation), by id and in lists alike.
    /// </summary>
    public static bool MaySee(Partners.PartnerCaller client, Alert alert) =>
        alert.RegionId == client.RegionId && alert.Recipients.Any(r => r.OrganisationId == client.OrganisationId);

    public static IQueryable<Alert> VisibleTo(this IQueryable<Alert> alerts, Partners.PartnerCaller client) =>
        alerts.Where(a => a.RegionId == client.RegionId && a.Recipients.Any(r => r.OrganisationId == client.OrganisationId));

    public static async Task<Alert> AlertForClientAsync(this AlertHubDbContext db, Guid alertId, Partners.PartnerCaller client, CancellationToken ct)
    {
        var alert = await db.Alerts.WithDetails().FirstOrDefaultAsync(a => a.Id == alertId, ct);
        if (alert is null || !MaySee(client, alert))
        {
            throw new NotFoundException("Melding niet gevonden.");
        }
        return alert;
    }
}
