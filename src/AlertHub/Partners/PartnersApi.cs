using System.Security.Claims;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Partners.Webhooks;
using AlertHub.People;
using Mediator;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Partners;

/// <summary>
/// R16 over HTTP. Admins: <c>/api/admin/api-clients</c> (create: the secret once; list; revoke),
/// <c>/api/admin/organisations/{id}/webhook</c> (set, read, remove) and <c>/api/admin/webhook-deliveries</c> (the
/// dead-letter view with <c>?state=dead</c>; send again). Partner systems: <c>POST /api/auth/token</c> (client
/// credentials), then <c>/api/partner/…</c> with the token, each endpoint needing its scope.
/// </summary>
internal static class PartnersApi
{
    public static IEndpointRouteBuilder MapPartners(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/token", Token).WithTags("Partners").AllowAnonymous()
            .RequireRateLimiting(Infrastructure.Security.SecuritySetup.LoginPolicy)
            .DisableAntiforgery()
            .Produces<ClientTokenResponse>()
            .Produces<ClientTokenError>(StatusCodes.Status400BadRequest)
            .Produces<ClientTokenError>(StatusCodes.Status401Unauthorized)
            .WithSummary("OAuth2 client credentials: een access token voor een API-client (form: grant_type=client_credentials; id en geheim via HTTP Basic of client_id/client_secret).")
            .AddOpenApiOperationTransformer((operation, context, ct) =>
            {
                operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                    {
                        ["application/x-www-form-urlencoded"] = new()
                        {
                            Schema = new Microsoft.OpenApi.OpenApiSchema
                            {
                                Type = Microsoft.OpenApi.JsonSchemaType.Object,
                                Required = new HashSet<string> { "grant_type" },
                                Properties = new Dictionary<string, Microsoft.OpenApi.IOpenApiSchema>
                                {
                                    ["grant_type"] = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Description = "Altijd `client_credentials`." },
                                    ["client_id"] = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Description = "Zonder HTTP Basic." },
                                    ["client_secret"] = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Description = "Zonder HTTP Basic." },
                                    ["scope"] = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Description = "Optioneel, gescheiden door spaties; standaard alle bevoegdheden van de client." },
                                },
                            },
                        },
                    },
                };
                return Task.CompletedTask;
            });

        var admin = app.MapGroup("/api/admin").WithTags("Partners")
            .RequireAuthorization(p => p.RequireRole(nameof(PersonRole.Admin)))
            .AddEndpointFilter(PeopleApi.ActiveAdminOnly);
        admin.MapGet("/api-clients", ListClients).WithSummary("De API-clients, eventueel van één organisatie.");
        admin.MapPost("/api-clients", CreateClient).WithSummary("Maakt een API-client; het geheim staat alleen in dit antwoord.");
        admin.MapDelete("/api-clients/{id:guid}", RevokeClient).WithSummary("Trekt een API-client in; zijn tokens werken meteen niet meer.");
        admin.MapGet("/organisations/{id}/webhook", GetWebhook);
        admin.MapPut("/organisations/{id}/webhook", SetWebhook)
            .WithSummary("Stelt het webhook-adres van een organisatie in; een nieuw adres (of newSecret) geeft eenmalig het geheim.");
        admin.MapDelete("/organisations/{id}/webhook", RemoveWebhook);
        admin.MapGet("/webhook-deliveries", ListDeliveries).WithSummary("Webhook-afleveringen, nieuwste eerst; state=dead is de lijst van mislukte.");
        admin.MapPost("/webhook-deliveries/{id:guid}/resend", ResendAny).WithSummary("Verstuurt een aflevering opnieuw (nieuwe reeks pogingen).");

        var partner = app.MapGroup("/api/partner").WithTags("Partners").AddEndpointFilter(PartnerAuth.ActiveClientOnly);
        Scoped(partner.MapGet("/alerts", ListAlerts), ApiScopes.AlertsRead)
            .WithSummary("De meldingen die de organisatie ontving, nieuwste eerst (?status=open|resolved|cancelled|all).");
        Scoped(partner.MapGet("/alerts/{id:guid}", GetAlert), ApiScopes.AlertsRead);
        Scoped(partner.MapPost("/alerts/{id:guid}/answers", Answer), ApiScopes.AlertsAnswer)
            .WithSummary("Reageert namens een ontvanger van de organisatie (seen, on_my_way, on_scene, unable).");
        Scoped(partner.MapGet("/webhook-deliveries", ListOwnDeliveries), ApiScopes.WebhooksRead);
        Scoped(partner.MapPost("/webhook-deliveries/{id:guid}/resend", ResendOwn), ApiScopes.WebhooksRead);
        return app;
    }

    private static RouteHandlerBuilder Scoped(RouteHandlerBuilder endpoint, string scope) =>
        endpoint.RequireAuthorization(PartnerAuth.Policy(scope)).WithMetadata(new PartnerScopeMetadata(scope));

    // ---- the token endpoint (RFC 6749 §4.4)

    private static async Task<IResult> Token(HttpContext http, AlertHubDbContext db, IMediator mediator,
        IOptionsMonitor<BearerTokenOptions> bearer, IOptions<PartnerOptions> options, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        if (!http.Request.HasFormContentType)
        {
            return Refuse("invalid_request", "Stuur het verzoek als application/x-www-form-urlencoded.");
        }
        var form = await http.Request.ReadFormAsync(ct);
        if (form["grant_type"].FirstOrDefault() is not { } grant || string.IsNullOrEmpty(grant))
        {
            return Refuse("invalid_request", "grant_type ontbreekt; gebruik client_credentials.");
        }
        if (grant != "client_credentials")
        {
            return Refuse("unsupported_grant_type", "Alleen grant_type=client_credentials wordt ondersteund.");
        }
        var (id, secret) = PartnerAuth.Credentials(http.Request, form);
        var client = Guid.TryParse(id, out var clientId) && !string.IsNullOrEmpty(secret)
            ? await db.ApiClients.AsNoTracking().FirstOrDefaultAsync(c => c.Id == clientId, ct)
            : null;
        if (client is null || !client.Active || !ClientSecrets.Matches(secret!, client.SecretHash))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"AlertHub\"";
            return Results.Json(new ClientTokenError("invalid_client", "Onbekende client, fout geheim of een ingetrokken client."),
                statusCode: StatusCodes.Status401Unauthorized);
        }
        var held = client.ScopeList;
        var asked = (form["scope"].FirstOrDefault() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (asked.FirstOrDefault(s => !held.Contains(s)) is { } notHeld)
        {
            return Refuse("invalid_scope", $"Deze client heeft de bevoegdheid '{notHeld}' niet (wel: {string.Join(' ', held)}).");
        }
        await mediator.Send(new RecordClientToken(client.Id), ct);
        var token = PartnerAuth.Issue(client, asked.Length > 0 ? asked.Distinct().ToList() : held,
            bearer.Get(PartnerAuth.Scheme), options.Value.TokenLifetime);
        return Results.Json(token);
    }

    private static IResult Refuse(string error, string description) =>
        Results.Json(new ClientTokenError(error, description), statusCode: StatusCodes.Status400BadRequest);

    // ---- admin: clients and webhooks

    private static async Task<Ok<IReadOnlyList<ApiClientDto>>> ListClients(string? organisationId, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListApiClients(organisationId), ct));

    private static async Task<Created<CreatedApiClientDto>> CreateClient(CreateApiClientRequest body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var created = await mediator.Send(new CreateApiClient(user.PersonId(), body.Name, body.OrganisationId, body.Scopes), ct);
        return TypedResults.Created($"/api/admin/api-clients/{created.ClientId}", created);
    }

    private static async Task<Ok<ApiClientDto>> RevokeClient(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RevokeApiClient(user.PersonId(), id), ct));

    private static async Task<Ok<WebhookDto>> GetWebhook(string id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetWebhook(id), ct));

    private static async Task<Ok<WebhookDto>> SetWebhook(string id, SetWebhookRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetWebhook(id, body.Url?.Trim(), body.Active, body.NewSecret ?? false), ct));

    private static async Task<NoContent> RemoveWebhook(string id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RemoveWebhook(id), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<WebhookDeliveryDto>>> ListDeliveries(
        string? organisationId, string? state, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListWebhookDeliveries(organisationId, DeliveryState(state)), ct));

    private static async Task<Ok<WebhookDeliveryDto>> ResendAny(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ResendWebhookDelivery(id, null), ct));

    // ---- partner systems

    private static async Task<Ok<IReadOnlyList<AlertDto>>> ListAlerts(string? status, HttpContext http, IMediator mediator, CancellationToken ct)
    {
        var filter = Alerts.AlertsApi.StatusFilter(status);
        return TypedResults.Ok(await mediator.Send(new ListPartnerAlerts(http.Caller(), filter), ct));
    }

    private static async Task<Ok<AlertDto>> GetAlert(Guid id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetPartnerAlert(http.Caller(), id), ct));

    private static async Task<Ok<AlertDto>> Answer(Guid id, PartnerAnswerRequest body, HttpContext http, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AnswerForOrganisation(http.Caller(), id, body.PersonId, body.Response), ct));

    private static async Task<Ok<IReadOnlyList<WebhookDeliveryDto>>> ListOwnDeliveries(string? state, HttpContext http, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListWebhookDeliveries(http.Caller().OrganisationId, DeliveryState(state)), ct));

    private static async Task<Ok<WebhookDeliveryDto>> ResendOwn(Guid id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ResendWebhookDelivery(id, http.Caller().OrganisationId), ct));

    private static WebhookDeliveryState? DeliveryState(string? state) => state switch
    {
        null or "" or "all" => null,
        "pending" => WebhookDeliveryState.Pending,
        "delivered" => WebhookDeliveryState.Delivered,
        "dead" => WebhookDeliveryState.Dead,
        _ => throw Invalid.Field("state", "Kies pending, delivered, dead of all."),
    };
}
