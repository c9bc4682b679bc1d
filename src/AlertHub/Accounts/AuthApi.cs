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
        auth.MapPost("/login", Login).AllowAnonymous();
        auth.MapPost("/refresh", Refresh).AllowAnonymous();
        app.MapGet("/api/me", Me).WithTags("Auth");
        return app;
    }

    // SignInAsync on the bearer scheme writes {tokenType, accessToken, expiresIn, refreshToken} itself.
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> Login(
        LoginRequest request, SignInManager<AppUser> signInManager, AlertHubDbContext db)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password)
            || request.Email.Length > 256 || request.Password.Length > 256)
        {
            return Unauthorized();
        }
        var user = await signInManager.UserManager.FindByEmailAsync(request.Email);
        if (user is null || !await IsActivePerson(db, user.Id))
        {
            return Unauthorized();
        }
        signInManager.AuthenticationScheme = IdentityConstants.BearerScheme;
        var result = await signInManager.PasswordSignInAsync(user, request.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Account tijdelijk geblokkeerd",
                detail: "Te veel mislukte pogingen; probeer het later opnieuw.");
        }
        return result.Succeeded ? TypedResults.Empty : Unauthorized();
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

    private static Task<bool> IsActivePerson(AlertHubDbContext db, string userId) =>
        Guid.TryParse(userId, out var id) ? db.People.AnyAsync(p => p.Id == id && p.Active) : Task.FromResult(false);

    private static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Onjuiste inloggegevens");
}

internal static class ClaimsPrincipalExtensions
{
    public static Guid PersonId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? id
            : throw new InvalidOperationException("Signed-in user without a person id.");
}
