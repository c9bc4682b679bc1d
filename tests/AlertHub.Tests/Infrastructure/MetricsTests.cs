using System.Globalization;
using System.Net;
using AlertHub.Client;
using AlertHub.Testing;

namespace AlertHub.Tests.Infrastructure;

/// <summary>
/// The "AlertHub" meter name is the same in every host of this test process, and OpenTelemetry keeps
/// one series per name: another host running in parallel would answer for ours. So this runs alone,
/// as production does (one host per process).
/// </summary>
[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(MetricsTests))]
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterARaiseAndAReceipt_CountThemWithoutSigningIn()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.ListenAsync(TestHost.Police);
        police.ConfirmReceipts = true;
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        using var scraper = host.CreateHttp();
        var raisedBefore = Sum(await ScrapeAsync(scraper), "alerthub_alerts_raised_total");

        var alert = await coordinator.RaiseAsync();
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Any(r => r.Delivery == DeliveryState.Received), what: "police receipt stored");

        // The push is timed right after SignalR hands it off, a moment after the client may have it.
        var text = await Eventually.HoldsAsync(() => ScrapeAsync(scraper),
            t => Sum(t, "alerthub_push_fanout_duration_milliseconds_count") >= 1, what: "fan-out recorded");
        Assert.Contains("kind=\"threat\"", Lines(text, "alerthub_alerts_raised_total").First());
        Assert.True(Sum(text, "alerthub_alerts_raised_total") >= raisedBefore + 1, text);
        Assert.True(Sum(text, "alerthub_receipts_total") >= 1, text);
        Assert.NotEmpty(Lines(text, "alerthub_connections"));
        Assert.NotEmpty(Lines(text, "alerthub_outbox_lag_seconds"));
    }

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private static IEnumerable<string> Lines(string text, string metric) =>
        text.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal));

    /// <summary>The sum over all label sets of a Prometheus series (0 when it does not exist yet).</summary>
    private static double Sum(string text, string metric) =>
        Lines(text, metric).Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
