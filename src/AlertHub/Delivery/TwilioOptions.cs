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

    /// <summary>The longest wait the pipeline honours between two tries after a 429 (Retry-After above it is cut to it).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the circuit stays open after Twilio failed repeatedly (no call is made meanwhile; the SMS wait and are retried).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The pipeline tries this often in all (the first try and the retries after a 429 or a refused connection).</summary>
    public const int Tries = 4;

    /// <summary>The longest one send can take, every try timing out and every wait at its maximum.</summary>
    public TimeSpan LongestSend => Timeout * Tries + MaxRetryDelay * (Tries - 1);

    public bool Enabled => !string.IsNullOrEmpty(AccountSid);

    /// <summary>The public base URL without a trailing slash, or null when not configured.</summary>
    public string? PublicBase => string.IsNullOrWhiteSpace(PublicBaseUrl) ? null : PublicBaseUrl.TrimEnd('/');
}

internal sealed class SmsOptions
{
    public const string SectionName = "Sms";

    /// <summary>The local sink's file when Twilio is not configured.</summary>
    public string? OutboxPath { get; set; }

    /// <summary>First wait before an SMS that did not reach the provider (circuit open, connection refused, 429) is tried again; doubles per try.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two tries of an SMS that did not reach the provider.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long after an uncertain send (5xx, timeout) the provider's Messages list is asked whether it went out.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromSeconds(15);
}
