using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.People;
using Mediator;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using System.Security.Claims;

namespace AlertHub.Accounts;

/// <summary>
/// R13, staying signed in on a trusted device (v2, added next to the v1 token flow, which is unchanged):
/// <c>POST /api/auth/device/login</c> (the login body) answers <c>{tokenType, accessToken, expiresIn, deviceSessionId}</c>
/// and sets the device cookie; <c>POST /api/auth/device/refresh</c> (cookie) answers a new access token and rotates
/// the cookie, 401 once the session ended; <c>POST /api/auth/device/logout</c> ends it. All three require the
/// <c>X-AlertHub-Device</c> header and a same-origin request. <c>GET/DELETE /api/auth/devices[/{id}]</c>: own devices;
/// <c>GET /api/admin/people/{id}/devices</c>, <c>DELETE /api/admin/devices/{id}</c>: an admin's.
/// </summary>
internal static class DeviceAuthApi
{
    public static IEndpointRouteBuilder MapDeviceAuth(this IEndpointRouteBuilder app, RouteGroupBuilder auth)
    {
        var device = auth.MapGroup("/device").AddEndpointFilter(DeviceCookie.SameOriginOnly);
        device.MapPost("/login", Login).AllowAnonymous();
        device.MapPost("/refresh", Refresh).AllowAnonymous();
        // Anonymous: signing out must work with an access token that already expired.
        device.MapPost("/logout", Logout).AllowAnonymous();

        var own = app.MapGroup("/api/auth/devices").WithTags("Auth");
        own.MapGet("", ListOwn);
        own.MapDelete("/{id:guid}", EndOwn);

        var admin = app.MapGroup("/api/admin").WithTags("Admin")
            .RequireAuthorization(p => p.RequireRole(nameof(PersonRole.Admin)))
            .AddEndpointFilter(PeopleApi.ActiveAdminOnly);
        admin.MapGet("/people/{id:guid}/devices", ListOfPerson);
        admin.MapDelete("/devices/{id:guid}", EndAny);
        admin.MapPost("/people/{id:guid}/end-sessions", EndAllOfPerson);
        return app;
    }

    private static async Task<Results<Ok<DeviceTokenResponse>, ProblemHttpResult>> Login(
        DeviceLoginRequest request, HttpContext http, SignInManager<AppUser> signInManager, AlertHubDbContext db,
        IMediator mediator, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider time)
    {
        var (user, refused) = await AuthApi.CheckPasswordAsync(request.Email, request.Password, signInManager, db);
        if (user is null)
        {
            return refused!;
        }
        var started = await mediator.Send(new StartDeviceSession(Guid.Parse(user.Id), http.Request.Headers.UserAgent.ToString()));
        DeviceCookie.Write(http.Response, DeviceSecrets.CookieValue(started.Id, started.Secret), started.ExpiresAt - time.GetUtcNow());
        var principal = await signInManager.CreateUserPrincipalAsync(user);
        return TypedResults.Ok(DeviceTokens.Issue(principal, started.Id, bearer.Get(IdentityConstants.BearerScheme)));
    }

    private static async Task<Results<Ok<DeviceTokenResponse>, ProblemHttpResult>> Refresh(
        HttpContext http, SignInManager<AppUser> signInManager, IMediator mediator,
        IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider time)
    {
        if (DeviceSecrets.TryParse(DeviceCookie.Read(http.Request), out var sessionId, out var secret))
        {
            var outcome = await mediator.Send(new RefreshDeviceSession(sessionId, secret));
            var user = outcome.Succeeded ? await signInManager.UserManager.FindByIdAsync(outcome.PersonId.ToString()) : null;
            if (user is not null)
            {
                DeviceCookie.Write(http.Response, DeviceSecrets.CookieValue(outcome.SessionId, outcome.Secret!), outcome.ExpiresAt - time.GetUtcNow());
                var principal = await signInManager.CreateUserPrincipalAsync(user);
                return TypedResults.Ok(DeviceTokens.Issue(principal, outcome.SessionId, bearer.Get(IdentityConstants.BearerScheme)));
            }
        }
        DeviceCookie.Delete(http.Response);
        return SessionEnded();
    }

    private static async Task<NoContent> Logout(HttpContext http, IMediator mediator)
    {
        if (DeviceSecrets.TryParse(DeviceCookie.Read(http.Request), out var sessionId, out var secret))
        {
            await mediator.Send(new SignOutDevice(sessionId, secret));
        }
        DeviceCookie.Delete(http.Response);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<DeviceSessionDto>>> ListOwn(ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListDeviceSessions(user.PersonId(), user.PersonId(), ByAdmin: false, user.DeviceSessionId()), ct));

    private static async Task<NoContent> EndOwn(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new EndDeviceSession(id, user.PersonId(), ByAdmin: false), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<DeviceSessionDto>>> ListOfPerson(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListDeviceSessions(id, user.PersonId(), ByAdmin: true, user.DeviceSessionId()), ct));

    private static async Task<NoContent> EndAny(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new EndDeviceSession(id, user.PersonId(), ByAdmin: true), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<EndedSessionsDto>> EndAllOfPerson(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new EndPersonSessions(id, user.PersonId()), ct));

    // The web app shows "Sessie verlopen — log opnieuw in" for this 401, never "Offline".
    private static ProblemHttpResult SessionEnded() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sessie verlopen",
            detail: "Dit apparaat is niet meer ingelogd; log opnieuw in.");
}
