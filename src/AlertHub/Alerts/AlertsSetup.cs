using Microsoft.AspNetCore.SignalR;
using AlertHub.Client;
using AlertHub.Infrastructure;

namespace AlertHub.Alerts;

internal static class AlertsSetup
{
    public static WebApplicationBuilder AddAlerts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ReceiptsSeen>();
        services.AddSingleton<Infrastructure.Data.GroupCommit>();
        services.AddHostedService(sp => sp.GetRequiredService<Infrastructure.Data.GroupCommit>());
        services.AddSingleton<ReceiptWriter>();
        services.AddScoped<AlertAudience>();
        services.AddSingleton<People.DirectoryCache>();
        services.AddScoped<Infrastructure.Data.ISaveChangesStep, People.DirectoryVersionStep>();
        services.AddSingleton<RaiseBurst>();
        services.AddScoped<AlertVersions>();
        services.AddScoped<RecipientRows>();
        services.AddScoped<Infrastructure.Data.ISaveChangesStep>(sp => sp.GetRequiredService<RecipientRows>());
        services.AddScoped<Infrastructure.Data.ISaveChangesStep>(sp => sp.GetRequiredService<AlertVersions>());
        // Issue 16: the filters as the node's instances, not by type. By type, SignalR looks each one up in the
        // invocation's scope and wraps it once more on every hub call (HubFilterFactory, and a new HubErrorFilter
        // each time): 3.5 % of a node's CPU at 2,000 devices x 10 alerts/s, where every device confirms every alert.
        services.AddSingleton<HubErrorFilter>();
        services.AddOptions<HubOptions>()
            .Configure<Infrastructure.Security.ConnectionRegistry, Infrastructure.Security.HubInvocationLimiter, HubErrorFilter>(
                (options, registry, limiter, errors) =>
                {
                    options.AddFilter(registry);
                    options.AddFilter(limiter);
                    options.AddFilter(errors);
                });
        var signalR = services.AddSignalR(options => options.MaximumReceiveMessageSize = 16 * 1024)
            .AddJsonProtocol(options => AlertHubJson.Configure(options.PayloadSerializerOptions))
            // Issue 16: MessagePack next to JSON for clients that ask for it (smaller); JSON stays the default, and what
            // v1 clients speak. The payloads keep the contract's JSON shape (names, enum strings, times), only packed.
            .AddMessagePackProtocol(options => options.SerializerOptions = AlertHubMessagePack.Options);
        builder.AddRedisBackplane(signalR);
        if (services.Any(d => d.ServiceType == typeof(RedisProbe)))
        {
            // With Redis away a node still reaches its own connections (and the row is relayed to the rest): a publish
            // fails at once instead of waiting in StackExchange.Redis's backlog and going out late, after the relay.
            services.AddSingleton<Delivery.Push.BackplaneWatch>();
            services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>()
                .Configure<Delivery.Push.BackplaneWatch>((o, watch) =>
                {
                    o.Configuration.BacklogPolicy = StackExchange.Redis.BacklogPolicy.FailFast;
                    o.ConnectionFactory = log => watch.ConnectAsync(o.Configuration, log);
                });
            services.AddSingleton<HubLifetimeManager<AlertsHub>>(sp => new Delivery.Push.LocalFallbackLifetimeManager<AlertsHub>(
                ActivatorUtilities.CreateInstance<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisHubLifetimeManager<AlertsHub>>(sp),
                sp.GetRequiredService<Delivery.Push.BackplaneWatch>(),
                sp.GetRequiredService<IHubProtocolResolver>(),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Delivery.Push.OutboxOptions>>().Value.PublishTimeout / 2,
                sp.GetRequiredService<ILogger<Delivery.Push.LocalFallbackLifetimeManager<AlertsHub>>>()));
        }
        return builder;
    }

    public static IEndpointRouteBuilder MapAlertsHub(this IEndpointRouteBuilder app)
    {
        // Connections close when their access token expires; the client reconnects with a refreshed one.
        app.MapHub<AlertsHub>(HubNames.Path, options => options.CloseOnAuthenticationExpiration = true);
        return app;
    }
}
