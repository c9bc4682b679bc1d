using System.Security.Claims;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Scheduling;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace AlertHub.Readiness;

internal static class ReadinessApi
{
    public static WebApplicationBuilder AddReadiness(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ReadinessOptions>().BindConfiguration(ReadinessOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<CoverageService>();
        services.AddScoped<IJobHandler, OpeningCheckJob>();
        services.AddScoped<IJobHandler, ReadinessSendJob>();
        services.AddScoped<IJobHandler, ReadinessConcludeJob>();
        services.AddHostedService<OpeningCheckSchedule>();
        return builder;
    }

    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/coverage", async (ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetCoverage(user.PersonId()), ct)))
            .WithTags("Readiness").RequireAuthorization()
            .WithSummary("Issue 17: per required discipline who is on call now and reachable per today's opening check; the roster's gaps today and tomorrow; the check's list.");
        app.MapPost("/api/readiness/checks/{id:guid}/answer",
                async (Guid id, [FromBody] ReadinessAnswerRequest? request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                {
                    await mediator.Send(new AnswerReadinessCheck(user.PersonId(), id, request?.Via ?? "webpush"), ct);
                    return TypedResults.NoContent();
                })
            .WithTags("Readiness").RequireAuthorization()
            .WithSummary("Issue 17: this device is alive for the opening check (sent by the service worker on the silent push).");
        return app;
    }
}

/// <summary>Body of <c>POST /api/readiness/checks/{id}/answer</c>: <c>webpush</c> (default) or <c>app</c>.</summary>
internal sealed record ReadinessAnswerRequest(string? Via);
