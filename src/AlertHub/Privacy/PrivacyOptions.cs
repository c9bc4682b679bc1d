using System.ComponentModel.DataAnnotations;

namespace AlertHub.Privacy;

internal sealed class PrivacyOptions
{
    public const string SectionName = "Privacy";

    /// <summary>Days after an alert was closed (resolved or cancelled) before its personal data is purged.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 365;

    /// <summary>How often the purge runs.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan PurgeEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Ask Twilio to redact an SMS body once the SMS reached its final status.</summary>
    public bool RedactAtTwilio { get; set; }
}
