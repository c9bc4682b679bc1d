using System.Security.Claims;
using AlertHub.Accounts;
using AlertHub.Client;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlertHub.Dashboard;

internal static class DashboardApi
{
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        // The region comes from the caller; there is no parameter to ask for another one.
        app.MapGet("/api/dashboard", Get).WithTags("Dashboard")
            .RequireAuthorization(p => p.RequireRole(nameof(PersonRole.TeamLead), nameof(PersonRole.Coordinator)));
        return app;
    }

    private static async Task<Ok<DashboardDto>> Get(ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetDashboard(user.PersonId()), ct));
}
