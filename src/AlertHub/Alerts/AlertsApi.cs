using System.Security.Claims;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Evaluations;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AlertHub.Alerts;

internal static class AlertsApi
{
    public static IEndpointRouteBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts").WithTags("Alerts").RequireAuthorization();
        // Who may send what is declared on the messages (RaiseAlert, ChangeAlertKind, CloseAlert, …) and checked
        // by one behaviour for the API and the hub alike; refusals are audited there.
        alerts.MapPost("/", Raise)
            .RequireRateLimiting(Infrastructure.Security.SecuritySetup.RaisePolicy);
        alerts.MapGet("/", List);
        alerts.MapGet("/{id:guid}", Get).WithName("GetAlert");
        alerts.MapGet("/code/{code}", GetByCode);
        alerts.MapGet("/{id:guid}/contacts", Contacts)
            .WithSummary("The school's address (with a map link) and number, and the coordinator's: for the recipients of an open alert and the region's coordinators and team lead.");
        app.MapPut("/api/me/alarm-code", async (AlarmCodeRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new Delivery.SetAlarmCode(user.PersonId(), request.Code), ct);
                return TypedResults.NoContent();
            })
            .WithTags("Alerts").RequireAuthorization().RequireRateLimiting(Infrastructure.Security.SecuritySetup.RaisePolicy)
            .WithSummary("Issue 17: the coordinator's personal code for ALARM by SMS (6–8 digits, stored hashed).");
        app.MapGet("/api/me/school", MySchool).WithTags("Alerts").RequireAuthorization()
            .WithSummary("The coordinator's school: its number and fixed contacts, for when an alert does not get through.");
        alerts.MapPost("/{id:guid}/acknowledgements", Acknowledge);
        // The service worker confirms a Web Push on arrival, without the hub (the app may be closed).
        alerts.MapPost("/{id:guid}/receipt", Receipt);
        alerts.MapPost("/{id:guid}/updates", PostUpdate);
        alerts.MapPost("/{id:guid}/kind", ChangeKind);
        alerts.MapPost("/{id:guid}/resolve", Resolve);
        alerts.MapPost("/{id:guid}/cancel", Cancel);
        alerts.MapPut("/{id:guid}/instruction", SetInstruction)
            .WithSummary("Issue 17: the one current instruction for everyone on the alert; 409 names the current one when `replaces` is not its version.");
        app.MapGet("/api/drills/schools", async (ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListDrillSchools(user.PersonId()), ct)))
            .WithTags("Alerts").RequireAuthorization()
            .WithSummary("Issue 17: the schools the caller may start a drill for.");
        alerts.MapGet("/{id:guid}/report", Report)
            .Produces<DrillReportDto>().Produces<string>(StatusCodes.Status200OK, "text/html", "text/markdown")
            .WithSummary("Issue 17: the report of a drill (?format=json, html or md): who was reached how fast, who answered, the slowest discipline.");
        // CONTRACT v2: the change feed, the same as the hub's GetChangesSince.
        app.MapGet("/api/changes", Changes).WithTags("Alerts").RequireAuthorization();
        // The SMS link: carries only a random code; the app asks the reader to sign in.
        app.MapGet("/m/{code}", (string code) => TypedResults.Redirect($"/?m={Uri.EscapeDataString(code)}"))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<Created<AlertDto>, Ok<AlertDto>>> Raise(
        [FromBody] RaiseAlertRequest? request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var result = await mediator.Send(new RaiseAlert(
            user.PersonId(), request?.SchoolId, request?.Kind, request?.Note, idempotencyKey, request?.Drill ?? false), ct);
        return result.Created
            ? TypedResults.Created($"/api/alerts/{result.Alert.Id}", result.Alert)
            : TypedResults.Ok(result.Alert);
    }

    private static async Task<Ok<IReadOnlyList<AlertDto>>> List(
        string? status, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var filter = StatusFilter(status);
        return TypedResults.Ok(await mediator.Send(new ListAlerts(user.PersonId(), filter), ct));
    }

    private static async Task<Ok<AlertChangesDto>> Changes(string? cursor, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetChangesSince(user.PersonId(), string.IsNullOrEmpty(cursor) ? null : cursor), ct));

    private static async Task<Ok<AlertDto>> Get(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetAlert(user.PersonId(), id), ct));

    private static async Task<NoContent> Receipt(Guid id, ClaimsPrincipal user, IMediator mediator, ReceiptsSeen seen, CancellationToken ct)
    {
        await seen.ConfirmOnceAsync(mediator, user.PersonId(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<AlertDto>> GetByCode(string code, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetAlertByCode(user.PersonId(), code), ct));

    private static async Task<Ok<AlertContactsDto>> Contacts(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetAlertContacts(user.PersonId(), id), ct));

    private static async Task<Ok<SchoolContactsDto>> MySchool(ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMySchoolContacts(user.PersonId()), ct));

    private static async Task<Ok<AlertDto>> Acknowledge(
        Guid id, AcknowledgeRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AcknowledgeAlert(user.PersonId(), id, request.Response), ct));

    private static async Task<Ok<AlertDto>> PostUpdate(
        Guid id, PostUpdateRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new PostUpdate(user.PersonId(), id, request.Text, idempotencyKey), ct));

    private static async Task<Ok<AlertDto>> ChangeKind(
        Guid id, ChangeKindRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ChangeAlertKind(user.PersonId(), id, request.Kind), ct));

    private static async Task<Ok<AlertDto>> Resolve(
        Guid id, [FromBody] ResolveRequest? request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CloseAlert(user.PersonId(), id, AlertStatus.Resolved, request?.Outcome), ct));

    private static async Task<Ok<AlertDto>> Cancel(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CloseAlert(user.PersonId(), id, AlertStatus.Cancelled, null), ct));

    private static async Task<Ok<AlertDto>> SetInstruction(
        Guid id, SetInstructionRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetInstruction(user.PersonId(), id, request.Text, request.Replaces), ct));

    private static async Task<IResult> Report(Guid id, string? format, ClaimsPrincipal user, IMediator mediator, HttpResponse response, CancellationToken ct)
    {
        if (format is null or "" or "json")
        {
            return TypedResults.Ok(await mediator.Send(new GetDrillReport(user.PersonId(), id), ct));
        }
        var document = await mediator.Send(new ExportDrillReport(user.PersonId(), id, format), ct);
        response.Headers.ContentDisposition = $"inline; filename=\"{document.FileName}\"";
        return TypedResults.Content(document.Content, document.ContentType);
    }

    /// <summary>The <c>?status=</c> of an alert list (people's and partner systems' alike).</summary>
    internal static AlertStatus? StatusFilter(string? status) => status switch
    {
        null or "" or "all" => null,
        "open" => AlertStatus.Open,
        "resolved" => AlertStatus.Resolved,
        "cancelled" => AlertStatus.Cancelled,
        _ => throw Invalid.Field("status", "Kies open, resolved, cancelled of all."),
    };
}

/// <summary>Body of <c>PUT /api/me/alarm-code</c>.</summary>
internal sealed record AlarmCodeRequest(string? Code);
