using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.Partners.Webhooks;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;

namespace AlertHub.Partners;

internal static class PartnersSetup
{
    public static WebApplicationBuilder AddPartners(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PartnerOptions>().BindConfiguration(PartnerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // A scheme of its own: its tokens are protected for another purpose than a person's, so neither opens the other's endpoints.
        services.AddAuthentication().AddBearerToken(PartnerAuth.Scheme);
        services.AddOptions<BearerTokenOptions>(PartnerAuth.Scheme).Configure<IOptions<PartnerOptions>>((bearer, partners) =>
        {
            bearer.BearerTokenExpiration = partners.Value.TokenLifetime;
            bearer.TimeProvider = TimeProvider.System; // real time, as for a person's tokens (AccountsSetup)
        });
        PartnerAuth.AddPolicies(services.AddAuthorizationBuilder());

        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookDirectory>();
        services.AddScoped<ISaveChangesStep, WebhookStaging>();
        services.AddScoped<IJobHandler, WebhookSendJob>();
        // A receiver that redirects does not choose where the hub's next request goes; no cookies between receivers.
        // Connections go only to addresses outside the hub's own network (WebhookConnector).
        services.AddSingleton<WebhookConnector>();
        services.AddHttpClient(WebhookSendJob.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectCallback = provider.GetRequiredService<WebhookConnector>().ConnectAsync,
            });
        return builder;
    }
}
