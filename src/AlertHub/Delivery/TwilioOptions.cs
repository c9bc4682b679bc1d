namespace AlertHub.Delivery;

internal sealed class TwilioOptions
{
    public const string SectionName = "Twilio";

    public string? AccountSid { get; set; }
    public string? AuthToken { get; set; }

    /// <summary>The sender: an E.164 number or an alphanumeric sender id.</summary>
    public string? From { get; set; }
    public string BaseUrl { get; set; } = "https://api.twilio.com";

    /// <summary>Public URL of this hub: base of the StatusCallback and of signature checks.</summary>
    public string? PublicBaseUrl { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrEmpty(AccountSid);

    /// <summary>The public base URL without a trailing slash, or null when not configured.</summary>
    public string? PublicBase => string.IsNullOrWhiteSpace(PublicBaseUrl) ? null : PublicBaseUrl.TrimEnd('/');
}

internal sealed class SmsOptions
{
    public const string SectionName = "Sms";

    /// <summary>The local sink's file when Twilio is not configured.</summary>
    public string? OutboxPath { get; set; }
}
