using System.Security.Claims;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlertHub.Evaluations;

internal static class EvaluationsApi
{
    public static IEndpointRouteBuilder MapEvaluations(this IEndpointRouteBuilder app)
    {
        var evaluations = app.MapGroup("/api/evaluations").WithTags("Evaluations").RequireAuthorization();
        evaluations.MapGet("/", List);
        evaluations.MapGet("/action-items", OpenActionItems);
        evaluations.MapGet("/export", ExportPeriod).Produces<string>(StatusCodes.Status200OK, "text/html", "text/markdown");
        evaluations.MapGet("/{id:guid}", Get);
        evaluations.MapGet("/{id:guid}/export", Export).Produces<string>(StatusCodes.Status200OK, "text/html", "text/markdown");
        evaluations.MapPut("/{id:guid}", Update);
        evaluations.MapPost("/{id:guid}/close", Close);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<EvaluationDto>>> List(string? status, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        EvaluationStatus? filter = status switch
        {
            null or "" or "all" => null,
            "open" => EvaluationStatus.Open,
            "closed" => EvaluationStatus.Closed,
            "cancelled" => EvaluationStatus.Cancelled,
            _ => throw Invalid.Field("status", "Kies open, closed, cancelled of all."),
        };
        return TypedResults.Ok(await mediator.Send(new ListEvaluations(user.PersonId(), filter), ct));
    }

    private static async Task<Ok<IReadOnlyList<OpenActionItemDto>>> OpenActionItems(ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListOpenActionItems(user.PersonId()), ct));

    private static async Task<Ok<EvaluationDto>> Get(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetEvaluation(user.PersonId(), id), ct));

    private static async Task<Ok<EvaluationDto>> Update(Guid id, UpdateEvaluationRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateEvaluation(user.PersonId(), id, request), ct));

    private static async Task<Ok<EvaluationDto>> Close(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CloseEvaluation(user.PersonId(), id), ct));

    private static async Task<ContentHttpResult> Export(
        Guid id, string? format, bool? includeNotes, ClaimsPrincipal user, IMediator mediator, HttpResponse response, CancellationToken ct) =>
        Document(response, await mediator.Send(new ExportEvaluations(user.PersonId(), id, null, null, format ?? "html", includeNotes ?? false), ct));

    private static async Task<ContentHttpResult> ExportPeriod(
        DateOnly? from, DateOnly? until, string? format, bool? includeNotes, ClaimsPrincipal user, IMediator mediator, HttpResponse response, CancellationToken ct) =>
        Document(response, await mediator.Send(new ExportEvaluations(user.PersonId(), null, from, until, format ?? "html", includeNotes ?? false), ct));

    private static ContentHttpResult Document(HttpResponse response, ExportDocument document)
    {
        response.Headers.ContentDisposition = $"inline; filename=\"{document.FileName}\"";
        return TypedResults.Content(document.Content, document.ContentType);
    }
}

internal static class EvaluationsSetup
{
    public static WebApplicationBuilder AddEvaluations(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EvaluationsOptions>().BindConfiguration(EvaluationsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<Infrastructure.Scheduling.IJobHandler, EvaluationDueJob>();
        builder.Services.AddScoped<Infrastructure.Scheduling.IJobHandler, EvaluationReminderJob>();
        return builder;
    }
}
