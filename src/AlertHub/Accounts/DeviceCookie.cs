using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;

namespace AlertHub.Accounts;

/// <summary>
/// Where a trusted device keeps its long-lived credential: an HttpOnly cookie (script on the page, an XSS
/// included, cannot read it), SameSite=Strict (never sent on a request another site starts), Secure over HTTPS,
/// and only sent to <c>/api/auth</c> (not with every API call, not to the hub). See docs/SECURITY.md.
/// </summary>
internal static class DeviceCookie
{
    public const string Name = "AlertHub-Device";
    public const string Path = "/api/auth";

    /// <summary>
    /// The header every cookie endpoint requires. A page on another origin cannot send a custom header
    /// without a CORS preflight, which this hub never grants; a form or a link cannot send one at all.
    /// </summary>
    public const string CsrfHeader = "X-AlertHub-Device";

    public static string? Read(HttpRequest request) => request.Cookies[Name];

    public static void Write(HttpResponse response, string value, TimeSpan lifetime) =>
        // Max-Age, not Expires: the browser counts it on its own clock, whatever the hub's clock says.
        response.Cookies.Append(Name, value, Options(response.HttpContext.Request, lifetime > TimeSpan.Zero ? lifetime : TimeSpan.Zero));

    public static void Delete(HttpResponse response) =>
        response.Cookies.Delete(Name, Options(response.HttpContext.Request, null));

    private static CookieOptions Options(HttpRequest request, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = Path,
        MaxAge = maxAge,
        IsEssential = true,
    };

    /// <summary>
    /// The cookie endpoints answer only the app itself: the custom header present, and when the browser says where
    /// the request comes from (Origin, Sec-Fetch-Site), that is this hub's own origin. SameSite=Strict already keeps
    /// the cookie off other sites' requests; this also stops a sibling subdomain (same site, other origin) and any
    /// browser that ignores SameSite.
    /// </summary>
    public static async ValueTask<object?> SameOriginOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var origin = request.Headers.Origin.ToString();
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        var sameOrigin = string.IsNullOrEmpty(origin)
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
        if (string.IsNullOrEmpty(request.Headers[CsrfHeader]) || !sameOrigin
            || fetchSite is not ("" or "same-origin" or "none"))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Verzoek geweigerd",
                detail: "Dit verzoek komt niet van de AlertHub-app zelf.");
        }
        return await next(context);
    }
}

/// <summary>The access token of a device session: the usual bearer token plus the claim naming the device.</summary>
internal static class DeviceTokens
{
    /// <summary>The <see cref="DeviceSession"/> id; Web Push ties a subscription to the device with it.</summary>
    public const string ClaimType = "device_session";

    /// <summary>
    /// Issued like the bearer handler issues its own (same protector, lifetime and real-time clock) but without
    /// a refresh token in the body: the device's only long-lived credential is its cookie.
    /// </summary>
    public static DeviceTokenResponse Issue(ClaimsPrincipal principal, Guid deviceSessionId, BearerTokenOptions bearer)
    {
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(ClaimType, deviceSessionId.ToString()));
        var now = (bearer.TimeProvider ?? TimeProvider.System).GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + bearer.BearerTokenExpiration };
        var ticket = new AuthenticationTicket(principal, properties, $"{IdentityConstants.BearerScheme}:AccessToken");
        return new DeviceTokenResponse("Bearer", bearer.BearerTokenProtector.Protect(ticket),
            (long)bearer.BearerTokenExpiration.TotalSeconds, deviceSessionId);
    }

    public static Guid? DeviceSessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimType), out var id) ? id : null;
}

/// <summary>What device sign-in and refresh answer: no refresh token (that lives in the cookie).</summary>
internal sealed record DeviceTokenResponse(string TokenType, string AccessToken, long ExpiresIn, Guid DeviceSessionId);

/// <summary>Device sign-in: the v1 login body.</summary>
internal sealed record DeviceLoginRequest(string? Email, string? Password);
