using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using AlertHub.Delivery.Push;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AlertHub.Infrastructure.Telemetry;

internal sealed class TelemetryOptions
{
    public const string SectionName = "OpenTelemetry";

    /// <summary>OTLP/gRPC collector (e.g. <c>http://127.0.0.1:4317</c>); empty = no traces exported, metrics only at /metrics.</summary>
    [Url]
    public string? OtlpEndpoint { get; set; }
}

internal static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var metrics = new AlertHubMetrics(sp.GetRequiredService<IMeterFactory>());
            // Looked up at scrape time, not here: the dispatcher itself records into these metrics.
            metrics.UseOutboxLag(() => sp.GetRequiredService<PushDispatcher>().LagSeconds);
            return metrics;
        });

        var otlp = builder.Configuration[$"{TelemetryOptions.SectionName}:OtlpEndpoint"];
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("alerthub"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AlertHubMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    // SignalR's own connection counts and durations, next to ours.
                    .AddMeter("Microsoft.AspNetCore.Http.Connections")
                    .AddPrometheusExporter(o =>
                    {
                        // A scrape must show what happened just before it, not a cached copy.
                        o.ScrapeResponseCacheDurationMilliseconds = 0;
                    });
                if (!string.IsNullOrEmpty(otlp))
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
                }
            });

        // Traces cost an allocation per request; they are collected only when someone receives them.
        if (!string.IsNullOrEmpty(otlp))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(AlertHubMetrics.MeterName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments(MetricsPath))
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = new Uri(otlp);
                    o.Protocol = OtlpExportProtocol.Grpc;
                }));
        }
        return builder;
    }

    /// <summary>
    /// Prometheus text format at <c>/metrics</c>. Anonymous so that a scraper needs no account: it
    /// holds counts only, but the load balancer does not route it and the firewall should keep it
    /// to the monitoring network (see deploy/README.md).
    /// </summary>
    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        return app;
    }
}
