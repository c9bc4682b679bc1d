using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// Twilio settings that would leave the SMS fallback half working are refused at start-up. Without
/// Twilio:PublicBaseUrl no StatusCallback is requested (no delivery states, no redaction, no flagged numbers)
/// and SMS links point at the hub's default loopback address, so it is required once Twilio is on.
/// </summary>
internal sealed class TwilioOptionsValidation : IValidateOptions<TwilioOptions>
{
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(60);

    public ValidateOptionsResult Validate(string? name, TwilioOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled)
        {
            if (string.IsNullOrEmpty(options.AuthToken) || string.IsNullOrEmpty(options.From))
            {
                failures.Add("Twilio:AuthToken and Twilio:From are required when Twilio:AccountSid is set.");
            }
            if (options.PublicBase is null)
            {
                failures.Add("Twilio:PublicBaseUrl is required when Twilio:AccountSid is set: the hub's public address "
                    + "(e.g. https://alerthub.example.nl), where Twilio posts delivery states and replies and where SMS links point.");
            }
        }
        if (options.PublicBase is not null && !IsHttpUrl(options.PublicBaseUrl))
        {
            failures.Add($"Twilio:PublicBaseUrl '{options.PublicBaseUrl}' must be an absolute http or https URL without query, e.g. https://alerthub.example.nl.");
        }
        if (!IsHttpUrl(options.BaseUrl))
        {
            failures.Add($"Twilio:BaseUrl '{options.BaseUrl}' must be an absolute http or https URL without query, e.g. https://api.twilio.com.");
        }
        if (options.Timeout < MinTimeout || options.Timeout > MaxTimeout)
        {
            failures.Add($"Twilio:Timeout {options.Timeout} must be between {MinTimeout} and {MaxTimeout}.");
        }
        if (options.BreakDuration < TimeSpan.FromMilliseconds(500) || options.BreakDuration > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Twilio:BreakDuration {options.BreakDuration} must be between 00:00:00.5 and 00:05:00.");
        }
        if (options.MaxRetryDelay < TimeSpan.Zero || options.MaxRetryDelay > MaxTimeout)
        {
            failures.Add($"Twilio:MaxRetryDelay {options.MaxRetryDelay} must be between 00:00:00 and {MaxTimeout}.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Uri.TryCreate alone accepts "/alerthub" on Linux (as file:///alerthub).
    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment);
}
