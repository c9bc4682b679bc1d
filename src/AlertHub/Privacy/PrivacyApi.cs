using AlertHub.Client;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.People;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlertHub.Privacy;

/// <summary>R10 for the admin (functioneel beheer): the audit log and the access-request export.</summary>
internal static class PrivacyApi
{
    public static IEndpointRouteBuilder MapPrivacy(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Privacy")
            .RequireAuthorization(p => p.RequireRole(nameof(PersonRole.Admin)))
            .AddEndpointFilter(PeopleApi.ActiveAdminOnly);
        admin.MapGet("/audit", Read).WithSummary("The audit log, newest first, a page at a time.");
        admin.MapGet("/audit/export", Export).Produces<string>(StatusCodes.Status200OK, "text/csv", "application/json").WithSummary("The audit log as CSV or JSON, oldest first.");
        admin.MapGet("/people/{id:guid}/export", ExportPerson).WithSummary("Everything stored about one person (access request).");
        return app;
    }

    private static async Task<Ok<AuditPage>> Read(
        DateTimeOffset? from, DateTimeOffset? until, Guid? subjectId, Guid? actorId, string? action, int? page, int? pageSize,
        IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ReadAudit(new AuditFilter(from, until, subjectId, actorId, action), page ?? 1, pageSize ?? 100), ct));

    private static async Task<ContentHttpResult> Export(
        DateTimeOffset? from, DateTimeOffset? until, Guid? subjectId, Guid? actorId, string? action, string? format,
        IMediator mediator, HttpResponse response, CancellationToken ct)
    {
        var document = await mediator.Send(new ExportAudit(new AuditFilter(from, until, subjectId, actorId, action), format ?? "csv"), ct);
        response.Headers.ContentDisposition = $"attachment; filename=\"{document.FileName}\"";
        return TypedResults.Content(document.Content, document.ContentType);
    }

    private static async Task<Ok<PersonExport>> ExportPerson(Guid id, IMediator mediator, HttpResponse response, CancellationToken ct)
    {
        var export = await mediator.Send(new ExportPerson(id), ct);
        response.Headers.ContentDisposition = $"attachment; filename=\"persoon-{id:N}.json\"";
        return TypedResults.Ok(export);
    }
}

internal static class PrivacySetup
{
    public static WebApplicationBuilder AddPrivacy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PrivacyOptions>().BindConfiguration(PrivacyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<IJobHandler, RetentionPurgeJob>();
        services.AddScoped<IJobHandler, TwilioRedactionJob>();
        services.AddHostedService<RetentionPurgeSchedule>();
        return builder;
    }
}
