using System.Security.Claims;
using System.Text;
using System.Text.Json.Serialization;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Partners;

/// <summary>Who is calling on a partner endpoint: the client, its organisation and region (from its token, checked against its row).</summary>
internal sealed record PartnerCaller(Guid ClientId, string OrganisationId, string RegionId);

/// <summary>
/// R16, API clients: OAuth2 client credentials (RFC 6749 §4.4). <c>POST /api/auth/token</c> with
/// <c>grant_type=client_credentials</c> and the client's id and secret (HTTP Basic, or the form fields
/// <c>client_id</c>/<c>client_secret</c>) answers <c>{access_token, token_type, expires_in, scope}</c>. The token is
/// a bearer token of a scheme of its own (<see cref="Scheme"/>, its own Data Protection purpose): a client token
/// opens no person's endpoint and a person's token no partner endpoint. Every partner endpoint checks the client
/// is not revoked (so revoking takes effect at once, not when the token expires).
/// </summary>
internal static class PartnerAuth
{
    public const string Scheme = "ApiClient";
    public const string ClientIdClaim = "client_id";
    public const string OrganisationClaim = "organisation";
    public const string RegionClaim = "region";
    public const string ScopeClaim = "scope";

    public static string Policy(string scope) => "partner:" + scope;

    public static void AddPolicies(AuthorizationBuilder authorization)
    {
        foreach (var scope in ApiScopes.All.Keys)
        {
            authorization.AddPolicy(Policy(scope), policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .RequireClaim(ClientIdClaim)
                .RequireClaim(ScopeClaim, scope));
        }
    }

    public static Guid? ClientId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClientIdClaim), out var id) ? id : null;

    /// <summary>On every partner endpoint: the client still exists and is not revoked; its row, not the token, says where it belongs.</summary>
    public static async ValueTask<object?> ActiveClientOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var id = http.User.ClientId();
        var db = http.RequestServices.GetRequiredService<AlertHubDbContext>();
        var client = id is null ? null : await db.ApiClients.AsNoTracking()
            .Where(c => c.Id == id && c.RevokedAt == null)
            .Select(c => new PartnerCaller(c.Id, c.OrganisationId, c.RegionId))
            .FirstOrDefaultAsync(http.RequestAborted);
        if (client is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Client ingetrokken",
                detail: "Deze API-client bestaat niet meer of is ingetrokken; vraag de beheerder om een nieuwe.");
        }
        http.Items[typeof(PartnerCaller)] = client;
        return await next(context);
    }

    public static PartnerCaller Caller(this HttpContext http) =>
        http.Items[typeof(PartnerCaller)] as PartnerCaller
        ?? throw new InvalidOperationException("A partner endpoint without the ActiveClientOnly filter.");

    /// <summary>A token like the bearer handler issues its own: its scheme's protector, its lifetime, the real clock.</summary>
    public static ClientTokenResponse Issue(ApiClient client, IReadOnlyList<string> scopes, BearerTokenOptions bearer, TimeSpan lifetime)
    {
        var identity = new ClaimsIdentity(Scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClientIdClaim, client.Id.ToString()));
        identity.AddClaim(new Claim(ClaimTypes.Name, client.Name));
        identity.AddClaim(new Claim(OrganisationClaim, client.OrganisationId));
        identity.AddClaim(new Claim(RegionClaim, client.RegionId));
        foreach (var scope in scopes)
        {
            identity.AddClaim(new Claim(ScopeClaim, scope));
        }
        var now = TimeProvider.System.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + lifetime };
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), properties, $"{Scheme}:AccessToken");
        return new ClientTokenResponse(bearer.BearerTokenProtector.Protect(ticket), "Bearer", (long)lifetime.TotalSeconds, string.Join(' ', scopes));
    }

    /// <summary>The client's id and secret from HTTP Basic (RFC 6749 §2.3.1: each form-url-encoded) or the form.</summary>
    public static (string? Id, string? Secret) Credentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':');
                if (colon > 0)
                {
                    return (Uri.UnescapeDataString(decoded[..colon].Replace('+', ' ')), Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' ')));
                }
            }
            catch (FormatException)
            {
                // not Base64: no credentials
            }
            return (null, null);
        }
        return (form["client_id"].FirstOrDefault(), form["client_secret"].FirstOrDefault());
    }
}

/// <summary>RFC 6749 §5.1.</summary>
internal sealed record ClientTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope);

/// <summary>RFC 6749 §5.2, with a Dutch description.</summary>
internal sealed record ClientTokenError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription);

/// <summary>Marks a partner endpoint for the OpenAPI document (the OAuth2 scheme and its scope instead of the person's bearer).</summary>
internal sealed record PartnerScopeMetadata(string Scope);
