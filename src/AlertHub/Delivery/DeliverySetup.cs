using System.Net;
using AlertHub.Delivery.Push;
using AlertHub.Escalation;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace AlertHub.Delivery;

internal static class DeliverySetup
{
    public static WebApplicationBuilder AddDelivery(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwilioOptions>, TwilioOptionsValidation>();
        services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddTransient<TwilioBaseUrlHandler>();
        services.AddHttpClient<TwilioSmsSender>()
            .AddHttpMessageHandler<TwilioBaseUrlHandler>()
            .AddResilienceHandler("twilio", (pipeline, context) =>
            {
                var twilio = context.ServiceProvider.GetRequiredService<IOptions<TwilioOptions>>().Value;
                // Timeouts, Retry-After waits and break durations are network facts in real seconds, not
                // business time: a test clock moved forward must not time out a request still in flight.
                pipeline.TimeProvider = TimeProvider.System;
                // Retry only what cannot have sent an SMS: 429 (Twilio refused it, honouring Retry-After)
                // and a connection that was never made. A 5xx or a timeout may have sent it: no retry.
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = TwilioOptions.Tries - 1,
                    Delay = TimeSpan.FromSeconds(1),
                    // Caps Retry-After too, so a send never outlasts TwilioOptions.LongestSend (the sms-send job's lease).
                    MaxDelay = twilio.MaxRetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                    ShouldHandle = args => ValueTask.FromResult(
                        args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests
                        || args.Outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }),
                });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 4,
                    SamplingDuration = TimeSpan.FromSeconds(30),
                    BreakDuration = twilio.BreakDuration,
                    ShouldHandle = args => ValueTask.FromResult(
                        args.Outcome.Result is { } r ? (int)r.StatusCode >= 500
                        : args.Outcome.Exception is HttpRequestException or TimeoutRejectedException),
                });
                pipeline.AddTimeout(twilio.Timeout);
            });
        services.AddSingleton<LocalSmsSink>();
        services.AddTransient<ISmsSender>(sp => sp.GetRequiredService<IOptions<TwilioOptions>>().Value.Enabled
            ? sp.GetRequiredService<TwilioSmsSender>()
            : sp.GetRequiredService<LocalSmsSink>());
        services.AddScoped<SmsOutbox>();
        services.AddScoped<SmsTrigger>();
        services.TryAddSingleton<Microsoft.AspNetCore.Identity.IPasswordHasher<People.Person>, Microsoft.AspNetCore.Identity.PasswordHasher<People.Person>>();
        services.AddScoped<SmsStates>();
        services.AddScoped<ISaveChangesStep, SmsStaging>();
        services.AddScoped<IJobHandler, SmsSendJob>();
        services.AddScoped<IJobHandler, SmsCallbackMatchJob>();
        services.AddHostedService<SmsJobsCheck>();

        // Pushes: a row per push written with the change (PushStaging), sent after the commit or relayed.
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => o.RelayAfter > o.PublishTimeout, "Outbox:RelayAfter must be longer than Outbox:PublishTimeout, or the relay races pushes still being sent.")
            .ValidateOnStart();
        services.AddSingleton<IPushPublisher, HubPushPublisher>();
        services.AddSingleton<FollowerPresence>();
        services.AddSingleton<PushDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<PushDispatcher>());
        services.AddScoped<ISaveChangesStep, PushStaging>();

        services.AddScoped<IJobHandler, SmsFallbackJob>();
        services.AddScoped<IJobHandler, EscalationJob>();
        services.AddSingleton<JobWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        return builder;
    }
}
