using Microsoft.AspNetCore.SignalR;
using AlertHub.Client;
using AlertHub.Infrastructure;

namespace AlertHub.Alerts;

internal static class AlertsSetup
{
    public static WebApplicationBuilder AddAlerts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<Presence>();
        services.AddSingleton<ReceiptsSeen>();
        services.AddScoped<RecipientRouter>();
        services.AddScoped<AlertNotifier>();
        var signalR = services.AddSignalR(options =>
            {
                options.AddFilter<Infrastructure.Security.ConnectionRegistry>();
                options.AddFilter<Infrastructure.Security.HubInvocationLimiter>();
                options.AddFilter<HubErrorFilter>();
                options.MaximumReceiveMessageSize = 16 * 1024;
            })
            .AddJsonProtocol(options => AlertHubJson.Configure(options.PayloadSerializerOptions));
        builder.AddRedisBackplane(signalR);
        return builder;
    }

    public static IEndpointRouteBuilder MapAlertsHub(this IEndpointRouteBuilder app)
    {
        // Connections close when their access token expires; the client reconnects with a refreshed one.
        app.MapHub<AlertsHub>(HubNames.Path, options => options.CloseOnAuthenticationExpiration = true);
        return app;
    }
}
