using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AlertHub.Accounts;

internal static class AccountsSetup
{
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.AddMemoryCache();
        services.AddSingleton<SessionStamps>();
        services.AddAuthentication(IdentityConstants.BearerScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, options =>
            {
                options.Events = new BearerTokenEvents
                {
                    // Browsers cannot set headers on a WebSocket: SignalR sends the token in the query string.
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.Request.Path.StartsWithSegments("/hubs"))
                        {
                            context.Token = token;
                            HubTokenQuery.Forget(context.HttpContext);
                        }
                        return Task.CompletedTask;
                    },
                };
            });
        services.AddOptions<BearerTokenOptions>(IdentityConstants.BearerScheme)
            .Configure<IOptions<AuthOptions>>((bearer, auth) =>
            {
                bearer.BearerTokenExpiration = auth.Value.AccessTokenLifetime;
                bearer.RefreshTokenExpiration = auth.Value.RefreshTokenLifetime;
                // Token lifetimes are real time, never the injected clock: SignalR's CloseOnAuthenticationExpiration
                // compares a token's expiry with the system clock, so a token issued on another clock (a test's)
                // would close every hub connection the moment it opened, or never.
                bearer.TimeProvider = TimeProvider.System;
                // Set by the framework's own options step, which runs before this one (AddBearerToken above).
                bearer.BearerTokenProtector = new CompactTickets(bearer.BearerTokenProtector, auth.Value.ShortTokenNames);
            });

        services.AddIdentityCore<AppUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 10;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AlertHubDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        // Everything needs a signed-in user unless an endpoint explicitly says otherwise.
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
