using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Evaluations;

/// <summary>Need-to-know: the region's team lead and the participants; for everybody else it does not exist.</summary>
internal static class EvaluationAccess
{
    public static IQueryable<Evaluation> WithDetails(this IQueryable<Evaluation> evaluations) =>
        evaluations.Include(e => e.Alert).ThenInclude(a => a!.Recipients)
            .Include(e => e.ActionItems).Include(e => e.Inputs).AsSplitQuery();

    public static IQueryable<Evaluation> VisibleTo(this IQueryable<Evaluation> evaluations, Person caller) =>
        caller.RegionId is null
            ? evaluations.Where(_ => false)
            : caller.Role == PersonRole.TeamLead
                ? evaluations.Where(e => e.RegionId == caller.RegionId)
                : evaluations.Where(e => e.RegionId == caller.RegionId
                    && (e.Alert!.RaisedById == caller.Id
                        || e.Alert.Recipients.Any(r => r.PersonId == caller.Id && r.Response != null)));

    public static async Task<Evaluation> EvaluationForAsync(this AlertHubDbContext db, Guid id, Person caller, CancellationToken ct) =>
        await db.Evaluations.VisibleTo(caller).WithDetails().FirstOrDefaultAsync(e => e.Id == id, ct)
        ?? throw new NotFoundException("Evaluatie niet gevonden.");
}
