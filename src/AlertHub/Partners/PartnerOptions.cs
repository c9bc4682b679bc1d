using System.ComponentModel.DataAnnotations;

namespace AlertHub.Partners;

/// <summary>Settings of the partner integration (R16): API client tokens and outbound webhooks.</summary>
internal sealed class PartnerOptions
{
    public const string SectionName = "Partners";

    /// <summary>How long an access token from <c>POST /api/oauth/token</c> holds; the client asks again with its secret.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long the hub waits for a webhook receiver's answer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts before a delivery goes to the dead-letter view (backoff 10 s, 30 s, 2, 10, 30 min, then hourly).</summary>
    [Range(1, 30)]
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>Allow <c>http://</c> addresses on loopback (127.0.0.1, ::1, localhost) for a receiver on the same machine in development; never other http.</summary>
    public bool WebhookAllowLoopbackHttp { get; set; }
}
