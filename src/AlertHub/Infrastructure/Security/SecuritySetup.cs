using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using AlertHub.Accounts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AlertHub.Infrastructure.Security;

internal static class SecuritySetup
{
    public const string RaisePolicy = "raise";
    public const string LoginPolicy = "login";

    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>() ?? new SecurityOptions();

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        // The access token must never reach a log line: request lines of the hub carry it in the
        // query string, so the hosting request log stays at Warning whatever the configuration says.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);
        // SignalR logs every exception out of a hub call at Error with its stack trace, a HubException (a refusal
        // meant for the client) too: a flooding client wrote 21 MB in 35 s that way. That Error is the only entry
        // of this category above Debug; HubRefusals summarises the abuse limit's refusals and HubErrorFilter logs
        // the unexpected exceptions, each once with its stack.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Critical);

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Te veel verzoeken",
                    detail: "Probeer het over enkele seconden opnieuw.").ExecuteAsync(context.HttpContext);
            };
            // Every API call counts against its person (or address when anonymous); raising and
            // signing in have tighter limits of their own on top.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Request.Path.StartsWithSegments("/api")
                    ? RateLimitPartition.GetFixedWindowLimiter(PartitionKey(context), _ => Window(options.ApiPerMinute))
                    : RateLimitPartition.GetNoLimiter("unlimited"));
            // Per signed-in person, so one misbehaving client cannot starve the others.
            limiter.AddPolicy(RaisePolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                PartitionKey(context), _ => Window(options.RaisePerMinute)));
            // Logins per address and account; Identity's lockout stops password guessing on top of this.
            limiter.AddPolicy(LoginPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                "login:" + context.Connection.RemoteIpAddress, _ => Window(options.LoginPerMinute)));
        });
        services.AddSingleton<HubRefusals>();
        services.AddHostedService(sp => sp.GetRequiredService<HubRefusals>());
        services.AddSingleton<HubInvocationLimiter>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddHostedService<ConnectionRechecker>();
        return builder;
    }

    public static WebApplication UseSecurity(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        // Behind nginx (deploy/) the client address and scheme come from X-Forwarded-*; only
        // loopback proxies (and Security:KnownProxies) are trusted, so a client cannot pick its own
        // rate-limit partition.
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
        };
        foreach (var proxy in options.KnownProxies)
        {
            forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        }
        app.UseForwardedHeaders(forwarded);
        var requireHttps = options.RequireHttps ?? !(app.Environment.IsDevelopment() || app.Environment.IsEnvironment("Testing"));
        if (requireHttps)
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            // The API reference page (/docs, Development or Docs:ReferencePage only) starts Scalar with an inline
            // module script and styles; the app itself keeps the strict policy.
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/docs") ? ReferencePagePolicy : AppPolicy;
            if (context.Request.Path.StartsWithSegments("/hubs") && !OriginAllowed(context.Request, options))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }
            await next();
        });
        return app;
    }

    // Built once: a hub connection's response keeps its headers for the life of the WebSocket (issue 16, memory).
    private const string AppPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private const string ReferencePagePolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>
    /// Browsers send Origin on WebSocket upgrades and cross-origin requests; a page on another site
    /// must not open a hub connection with a victim's token. Non-browser clients send none.
    /// </summary>
    private static bool OriginAllowed(HttpRequest request, SecurityOptions options)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }
        if (Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return options.AllowedOrigins.Any(allowed => string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    private static string PartitionKey(HttpContext context) =>
        context.User.Identity?.IsAuthenticated != true ? "ip:" + context.Connection.RemoteIpAddress
        : context.User.FindFirstValue(Partners.PartnerAuth.ClientIdClaim) is { } client ? "client:" + client
        : "person:" + context.User.FindFirstValue(ClaimTypes.NameIdentifier);

    private static FixedWindowRateLimiterOptions Window(int perMinute) => new()
    {
        PermitLimit = perMinute,
        Window = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
