using AlertHub.Client;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace AlertHub.Infrastructure;

/// <summary>
/// The OpenAPI document a partner system's developer integrates from (issue 15): the bearer scheme on every
/// endpoint that needs it, every error an endpoint can answer with its problem-details schema, correct
/// optionality and types, and the live hub (methods and events) described in the document itself. In
/// Development (or with <c>Docs:ReferencePage=true</c>) an interactive reference is served at <c>/docs</c>.
/// </summary>
internal static class ApiDocs
{
    public const string BearerScheme = "Bearer";
    private const string Problem = "application/problem+json";

    private static readonly Dictionary<int, string> Meanings = new()
    {
        [400] = "Ongeldige invoer: `errors` noemt per veld wat er mis is.",
        [401] = "Niet ingelogd, of de sessie is verlopen of beëindigd: vraag een nieuw token.",
        [403] = "Ingelogd, maar deze rol of dit account mag dit niet (ook: account niet meer actief).",
        [404] = "Bestaat niet, of niet voor deze aanroeper (need-to-know: een andere regio of niet ontvangen).",
        [409] = "Botst met de huidige stand (bijv. de melding is al afgesloten, een dubbele sleutel).",
        [422] = "Nog niet compleet: `errors` noemt wat ontbreekt.",
        [429] = "Te veel verzoeken; wacht het aantal seconden uit `Retry-After`.",
        [500] = "Onverwachte fout in de hub; niets is half opgeslagen.",
    };

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, context, ct) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "AlertHub",
                Version = "v2",
                Description = Description,
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "Het `accessToken` uit `POST /api/auth/login` (of `/api/auth/device/login` in de web-app), "
                    + "als `Authorization: Bearer …`; bij de hub als query `access_token`.",
            };
            document.Components.SecuritySchemes[Partners.PartnerAuth.Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "Voor systemen van partnerorganisaties (R16): een API-client met een geheim, van de beheerder. "
                    + "Vraag een token met client credentials en stuur het als `Authorization: Bearer …` naar `/api/partner/…`.",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow
                    {
                        TokenUrl = new Uri("/api/auth/token", UriKind.Relative),
                        Scopes = Partners.ApiScopes.All.ToDictionary(s => s.Key, s => s.Value),
                    },
                },
            };
            OptionalWhereNullable(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, ct) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<Partners.PartnerScopeMetadata>().FirstOrDefault() is { } partner)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Partners.PartnerAuth.Scheme, context.Document)] = [partner.Scope] });
            }
            else if (!metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }
            foreach (var (code, response) in operation.Responses ?? [])
            {
                if (!int.TryParse(code, out var status) || status < 400 || response is not OpenApiResponse editable)
                {
                    continue;
                }
                if (Meanings.TryGetValue(status, out var meaning))
                {
                    editable.Description = meaning;
                }
                // An error typed without a body (TypedResults.NotFound()) is still answered as problem details.
                if (editable.Content is null || editable.Content.Count == 0)
                {
                    editable.Content = new Dictionary<string, OpenApiMediaType>
                    {
                        [Problem] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document) },
                    };
                }
            }
            return Task.CompletedTask;
        });
        // Every instant is written as an ISO 8601 UTC string (UtcDateTimeOffsetConverter hides that from the generator).
        options.AddSchemaTransformer((schema, context, ct) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?))
            {
                schema.Type = type == typeof(DateTimeOffset?) ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
                schema.Format = "date-time";
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// The errors each endpoint can answer, as metadata the document is generated from (a convention over every
    /// mapped endpoint, so a new one has them too): 500 always; 401/403 unless anonymous; 400 and 429 on the API;
    /// 404 with a route value; 409 on changes; 422 where an evaluation is closed; 403 on the signed webhooks.
    /// </summary>
    public static void AddErrorResponses(EndpointBuilder endpoint)
    {
        if (endpoint is not RouteEndpointBuilder route)
        {
            return;
        }
        var path = "/" + (route.RoutePattern.RawText ?? "").TrimStart('/');
        var methods = route.Metadata.OfType<HttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToList();
        var anonymous = route.Metadata.OfType<IAllowAnonymous>().Any();
        var codes = new SortedSet<int> { 500 };
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            codes.UnionWith([400, 429]);
            if (!anonymous)
            {
                codes.UnionWith([401, 403]);
            }
            if (route.RoutePattern.Parameters.Count > 0)
            {
                codes.Add(404);
            }
            if (methods.Any(m => m is "POST" or "PUT" or "DELETE") && !path.StartsWith("/api/auth/", StringComparison.Ordinal))
            {
                codes.Add(409);
            }
            if (path.EndsWith("/close", StringComparison.Ordinal))
            {
                codes.Add(422);
            }
            if (path.StartsWith("/api/auth/", StringComparison.Ordinal) && anonymous)
            {
                codes.UnionWith([401, 403]); // a wrong password; a cookie call from another origin
            }
        }
        else if (path.StartsWith("/webhooks/", StringComparison.Ordinal))
        {
            codes.Add(403);
        }
        var declared = route.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
        foreach (var code in codes.Where(c => !declared.Contains(c)))
        {
            var type = code is 400 or 422 ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
            route.Metadata.Add(new ProducesResponseTypeMetadata(code, type, [Problem]));
        }
    }

    /// <summary>The interactive reference (Scalar) at <c>/docs</c>, in Development or when asked for.</summary>
    public static void MapReference(WebApplication app)
    {
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue<bool>("Docs:ReferencePage"))
        {
            app.MapScalarApiReference("/docs", options => options.WithTitle("AlertHub API").WithOpenApiRoutePattern("/openapi/{documentName}.json"))
                .AllowAnonymous();
        }
    }

    /// <summary>A field that may be null is one a client must not count on (the generator calls every constructor parameter required).</summary>
    private static void OptionalWhereNullable(OpenApiDocument document)
    {
        foreach (var schema in document.Components?.Schemas?.Values.OfType<OpenApiSchema>() ?? [])
        {
            if (schema.Required is not { Count: > 0 } required || schema.Properties is null)
            {
                continue;
            }
            foreach (var (name, property) in schema.Properties)
            {
                if (IsNullable(property))
                {
                    required.Remove(name);
                }
            }
        }
    }

    private static bool IsNullable(IOpenApiSchema schema) =>
        (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        || (schema.OneOf?.Any(s => s.Type is { } t && t.HasFlag(JsonSchemaType.Null)) ?? false);

    private const string Description = """
        De hub van schoolveiligheidsnetwerken: één tik van een coördinator bereikt politie, jongerenwerk en
        handhaving, toont wie komt en plant de evaluatie. Alle fouten zijn RFC 9457 problem details
        (`application/problem+json`) met Nederlandse teksten; bij 400 en 422 noemt `errors` de velden.

        **Inloggen.** `POST /api/auth/login` geeft een `accessToken` (Bearer) en een `refreshToken`
        (`POST /api/auth/refresh`). Melden is idempotent met de header `Idempotency-Key` (24 uur).

        ## Voor systemen van partnerorganisaties

        Een beheerder maakt een API-client (`POST /api/admin/api-clients`) voor een organisatie met bevoegdheden
        (`alerts:read`, `alerts:answer`, `webhooks:read`) en geeft `clientId` en `clientSecret` door (het geheim
        is alleen dan te zien). Het systeem vraagt een token met OAuth2 client credentials:

            POST /api/auth/token
            Authorization: Basic base64(clientId:clientSecret)
            Content-Type: application/x-www-form-urlencoded

            grant_type=client_credentials

        en krijgt `{access_token, token_type, expires_in, scope}` (fouten volgens RFC 6749: `{error,
        error_description}`). Met dat token: `/api/partner/alerts` (de meldingen die de organisatie ontving),
        `/api/partner/alerts/{id}/answers` (reageren namens een ontvanger van de organisatie) en
        `/api/partner/webhook-deliveries`. Een ingetrokken client krijgt meteen 401.

        **Webhooks.** Een beheerder stelt per organisatie een https-adres in
        (`PUT /api/admin/organisations/{id}/webhook`, het geheim `whsec_…` staat alleen in dat antwoord). De hub
        stuurt `alert.raised`, `alert.updated` en `alert.closed` als `POST` met JSON `{id, event, occurredAt,
        organisationId, organisationIsRecipient, summary, alert}` en de headers `X-AlertHub-Event`,
        `X-AlertHub-Delivery` (hetzelfde bij elke poging), `X-AlertHub-Timestamp` (Unix-seconden) en
        `X-AlertHub-Signature: v1=<hex HMAC-SHA256(geheim, "{timestamp}.{body}")>`. Controleer de handtekening,
        weiger een tijdstempel van meer dan 5 minuten oud en een `X-AlertHub-Delivery` die je al had. Alleen
        een 2xx-antwoord telt; anders opnieuw na 10 s, 30 s, 2, 10, 30 min en dan elk uur, tot 8 pogingen
        (daarna in `GET /api/admin/webhook-deliveries?state=dead`). `summary` bevat nooit namen of notities;
        `alert` (namen, notitie, updates) alleen als de organisatie ontvanger is.

        ## Live: de SignalR-hub `/hubs/alerts`

        Verbind met `/hubs/alerts?access_token=…` (JSON- of MessagePack-protocol; MessagePack draagt dezelfde
        namen, teksten en tijden als JSON). Een coördinator of regievoerder die `deltas=1` meegeeft
        (`/hubs/alerts?deltas=1`) hoort ontvangstbevestigingen en sms-statussen als `AlertRecipientsChanged`:
        alleen de gewijzigde ontvangers, niet steeds de hele melding. Wat de hub verstuurt (gebeurtenissen) en wat
        een client aanroept (methoden):

        | richting | naam | gegevens | wanneer |
        |---|---|---|---|
        | hub → client | `AlertRaised` | `AlertDto` | een nieuwe melding voor jou (ontvanger) of je regio (coördinator, regievoerder) |
        | hub → client | `AlertUpdated` | `AlertDto` | elke wijziging; houd per `id` de hoogste `version` |
        | hub → client | `AlertRecipientsChanged` | `{ alertId, baseVersion, version, recipients }` | alleen met `deltas=1`: ontvangst of sms-status; houd je versie `baseVersion` tot `version`, vervang die ontvangers (op `personId`) en houd `version`; houd je al `version` of nieuwer, negeer hem; anders: lees `GetChangesSince` |
        | hub → client | `EvaluationDue` | `EvaluationDto` | de evaluatie is toe (regievoerder en deelnemers) |
        | client → hub | `ConfirmReceipt(alertId)` | — | dit apparaat heeft de melding; stopt de sms-terugval |
        | client → hub | `Acknowledge(alertId, response)` | → `AlertDto` | `seen`, `on_my_way`, `on_scene`, `unable` |
        | client → hub | `GetChangesSince(cursor)` | → `AlertChangesDto` | na elke (her)verbinding: wat je miste; `cursor` leeg = vanaf het begin |
        | client → hub | `GetAlertsSince(sequence)` | → `AlertDto[]` | v1-clients |

        Een geweigerde aanroep is een `HubException` met een Nederlandse tekst. Zonder verbinding komen
        meldingen via Web Push (`/api/push/subscriptions`) en tijdens de meldlijnuren per sms.
        """;
}
