using AlertHub.Infrastructure;
using System.Security.Claims;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Accounts;

internal static class AuthApi
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth").RequireRateLimiting(Infrastructure.Security.SecuritySetup.LoginPolicy);
        auth.MapPost("/login", Login).AllowAnonymous().Produces<Client.TokenResponse>()
            .WithSummary("Inloggen met e-mail en wachtwoord: een access token (Bearer) en een refresh token.");
        auth.MapPost("/refresh", Refresh).AllowAnonymous().Produces<Client.TokenResponse>()
            .WithSummary("Een nieuw access token met het refresh token (dat daarmee vervalt).");
        app.MapGet("/api/me", Me).WithTags("Auth");
        app.MapDeviceAuth(auth);
        return app;
    }

    // SignInAsync on the bearer scheme writes {tokenType, accessToken, expiresIn, refreshToken} itself.
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Login(
        LoginRequest request, SignInManager<AppUser> signInManager, AlertHubDbContext db)
    {
        var (user, refused) = await CheckPasswordAsync(request.Email, request.Password, signInManager, db);
        if (user is null)
        {
            return refused!;
        }
        signInManager.AuthenticationScheme = IdentityConstants.BearerScheme;
        // What PasswordSignInAsync adds after its password check (there is no two-factor sign-in).
        await signInManager.SignInWithClaimsAsync(user, isPersistent: false, [new Claim("amr", "pwd")]);
        return TypedResults.Empty;
    }

    /// <summary>
    /// The one password check of every sign-in: the same 401 for an unknown account, a wrong password and an
    /// inactive person; lockout after repeated failures.
    /// </summary>
    internal static async Task<(AppUser? User, ProblemHttpResult? Refused)> CheckPasswordAsync(
        string? email, string? password, SignInManager<AppUser> signInManager, AlertHubDbContext db)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || email.Length > 256 || password.Length > 256)
        {
            return (null, Unauthorized());
        }
        var user = await signInManager.UserManager.FindByEmailAsync(email);
        if (user is null || !await IsActivePerson(db, user.Id))
        {
            return (null, Unauthorized());
        }
        var result = await signInManager.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Account tijdelijk geblokkeerd",
                detail: "Te veel mislukte pogingen; probeer het later opnieuw."));
        }
        return result.Succeeded ? (user, null) : (null, Unauthorized());
    }

    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> Refresh(
        RefreshRequest request, SignInManager<AppUser> signInManager, AlertHubDbContext db,
        IOptionsMonitor<BearerTokenOptions> bearerOptions)
    {
        var bearer = bearerOptions.Get(IdentityConstants.BearerScheme);
        var ticket = string.IsNullOrEmpty(request.RefreshToken) ? null : bearer.RefreshTokenProtector.Unprotect(request.RefreshToken);
        // The clock the token was issued on (real time, see AccountsSetup).
        if (ticket?.Properties.ExpiresUtc is not { } expires || (bearer.TimeProvider ?? TimeProvider.System).GetUtcNow() >= expires)
        {
            return Unauthorized();
        }
        var user = await signInManager.ValidateSecurityStampAsync(ticket.Principal);
        if (user is null || !await IsActivePerson(db, user.Id))
        {
            return Unauthorized();
        }
        var principal = await signInManager.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    private static async Task<Results<Ok<MeDto>, NotFound>> Me(ClaimsPrincipal user, AlertHubDbContext db)
    {
        var id = user.PersonId();
        var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id);
        return person is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new MeDto(person.Id, person.Name, person.Role, person.RegionId, person.SchoolId, person.Discipline));
    }

    internal static Task<bool> IsActivePerson(AlertHubDbContext db, string userId) =>
        Guid.TryParse(userId, out var id) ? db.People.AnyAsync(p => p.Id == id && p.Active) : Task.FromResult(false);

    internal static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Onjuiste inloggegevens");
}

internal static class ClaimsPrincipalExtensions
{
    public static Guid PersonId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id
            : throw new InvalidOperationException("Signed-in user without a person id.");
}
