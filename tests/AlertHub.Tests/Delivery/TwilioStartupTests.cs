using AlertHub.Delivery;
using AlertHub.Testing;
using Microsoft.Extensions.Options;

namespace AlertHub.Tests.Delivery;

/// <summary>Twilio settings that would leave the SMS fallback half working stop the hub at start-up.</summary>
public sealed class TwilioStartupTests
{
    // Nothing is sent in these tests: the hub never gets far enough to call the Messages API.
    private static Dictionary<string, string?> TwilioOn(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = FakeTwilio.AccountSid,
            ["Twilio:AuthToken"] = FakeTwilio.AuthToken,
            ["Twilio:From"] = FakeTwilio.From,
            ["Twilio:BaseUrl"] = "http://127.0.0.1:9",
            ["Twilio:PublicBaseUrl"] = "https://alerthub.example.nl",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task TwilioOn_WithoutPublicBaseUrl_RefusesToStart()
    {
        // "" and not null: the test host fills in its own address for a missing one.
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestHost.StartAsync(settings: TwilioOn(("Twilio:PublicBaseUrl", ""))));
        Assert.Contains("Twilio:PublicBaseUrl is required when Twilio:AccountSid is set", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/alerthub")] // Uri.TryCreate calls this absolute on Linux (file:///alerthub)
    [InlineData("alerthub.example.nl")]
    [InlineData("ftp://alerthub.example.nl")]
    [InlineData("https://alerthub.example.nl/?x=1")]
    public async Task PublicBaseUrl_NotAnAbsoluteHttpUrl_RefusesToStart(string url)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestHost.StartAsync(settings: TwilioOn(("Twilio:PublicBaseUrl", url))));
        Assert.Contains($"Twilio:PublicBaseUrl '{url}' must be an absolute http or https URL", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Twilio:AuthToken", "", "Twilio:AuthToken and Twilio:From are required")]
    [InlineData("Twilio:From", "", "Twilio:AuthToken and Twilio:From are required")]
    [InlineData("Twilio:BaseUrl", "api.twilio.com", "Twilio:BaseUrl 'api.twilio.com' must be an absolute http or https URL")]
    [InlineData("Twilio:Timeout", "00:00:00.500", "Twilio:Timeout 00:00:00.5000000 must be between 00:00:01 and 00:01:00")]
    [InlineData("Twilio:Timeout", "00:02:00", "Twilio:Timeout 00:02:00 must be between 00:00:01 and 00:01:00")]
    public async Task OtherBadTwilioSettings_RefuseToStart_NamingTheSetting(string key, string value, string expected)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(settings: TwilioOn((key, value))));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwilioOff_NeedsNoPublicBaseUrl_AndTheDefaultsPass()
    {
        Assert.False(new TwilioOptionsValidation().Validate(null, new TwilioOptions()).Failed);
        Assert.False(new TwilioOptionsValidation().Validate(null, new TwilioOptions
        {
            AccountSid = FakeTwilio.AccountSid, AuthToken = FakeTwilio.AuthToken, From = FakeTwilio.From,
            PublicBaseUrl = "https://alerthub.example.nl/",
        }).Failed);
    }
}
