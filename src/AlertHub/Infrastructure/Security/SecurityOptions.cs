using System.ComponentModel.DataAnnotations;

namespace AlertHub.Infrastructure.Security;

internal sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>Origins allowed to open the hub from a browser; the hub's own origin is always allowed.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Addresses of load balancers whose X-Forwarded-For is believed, besides loopback.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>HTTPS redirection and HSTS; on by default outside Development and Testing.</summary>
    public bool? RequireHttps { get; set; }

    /// <summary>How often live hub connections are checked against the directory (role, region, active).</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00")]
    public TimeSpan RecheckConnectionsEvery { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 10_000)]
    public int RaisePerMinute { get; set; } = 60;

    /// <summary>
    /// New alerts one person may raise within <see cref="RaiseBurstWindow"/>, counted in the database so every node
    /// sees the same count (a repeat with a used Idempotency-Key is no new alert and never counts). A stolen
    /// coordinator token otherwise raised 60 alerts a minute to a whole region, each with SMS costs.
    /// </summary>
    [Range(1, 100_000)]
    public int RaiseBurst { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RaiseBurstWindow { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, 1_000)]
    public int LoginPerMinute { get; set; } = 30;

    [Range(1, 100_000)]
    public int ApiPerMinute { get; set; } = 600;

    /// <summary>Hub calls per connection and second, receipts not included.</summary>
    [Range(1, 10_000)]
    public int HubInvocationsPerSecond { get; set; } = 20;

    /// <summary>
    /// Receipts (ConfirmReceipt) per connection and second, in a bucket of their own: a device confirms every push
    /// of a burst at once, so only a client far beyond any real burst is refused.
    /// </summary>
    [Range(1, 100_000)]
    public int HubReceiptsPerSecond { get; set; } = 2_000;

    [Range(1024, 16 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}
