using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace AlertHub.Delivery.WebPush;

internal static class WebPushSetup
{
    public static WebApplicationBuilder AddWebPush(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PushOptions>().BindConfiguration(PushOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PushOptions>, PushOptionsValidation>();
        services.AddSingleton(sp => PushHosts.Parse(sp.GetRequiredService<IOptions<PushOptions>>().Value.AllowedHosts, out var problems)
            ?? throw new OptionsValidationException(PushOptions.SectionName, typeof(PushOptions), problems));
        services.AddSingleton<VapidKeyStore>();
        services.AddHostedService<PushSubjectCheck>();

        services.AddTransient<PushAllowListHandler>();
        services.AddTransient<VapidAudienceHandler>();
        var http = services.AddHttpClient<WebPushSender>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // A push service that redirects does not get to choose where the hub's next request goes.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        http.AddResilienceHandler("webpush", (pipeline, context) =>
        {
            // Network time, not business time: a test clock moved forward must not time out a request in flight.
            pipeline.TimeProvider = TimeProvider.System;
            pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<PushOptions>>().Value.Timeout);
        });
        // Innermost, right before the wire: the audience fix, then the allow-list check.
        http.AddHttpMessageHandler<VapidAudienceHandler>();
        http.AddHttpMessageHandler<PushAllowListHandler>();

        services.AddScoped<ISaveChangesStep, WebPushStaging>();
        services.AddScoped<IJobHandler, WebPushSendJob>();
        services.AddScoped<IJobHandler, WebPushRepeatJob>();
        return builder;
    }
}

/// <summary>Without <c>Push:Subject</c> the tokens carry no contact; Apple's push service refuses those, so say so once.</summary>
internal sealed class PushSubjectCheck(IOptions<PushOptions> options, ILogger<PushSubjectCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Value.Subject))
        {
            logger.LogWarning("Push:Subject is not set: Web Push tokens carry no contact (sub) and some push services (Apple) refuse them. "
                + "Set it to mailto:… or https://… of the operator.");
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
