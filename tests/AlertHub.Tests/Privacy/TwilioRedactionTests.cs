using AlertHub.Delivery;
using AlertHub.Tests.Delivery;
using AlertHub.Testing;

namespace AlertHub.Tests.Privacy;

/// <summary>Privacy:RedactAtTwilio: Twilio is asked to forget an SMS text once, after the SMS's final status.</summary>
public sealed class TwilioRedactionTests
{
    [Fact]
    public async Task WhenEnabled_EachSmsIsRedactedOnce_AfterItsFinalStatus_NotBefore()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await StartAsync(twilio, redact: true);
        await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        var sent = await twilio.WaitForMessagesAsync(5);
        var delivered = ToHost(host, sent[0]);
        var undelivered = ToHost(host, sent[1]);
        var onTheWay = ToHost(host, sent[2]);

        Assert.True((await twilio.SendStatusAsync(onTheWay, "sent")).IsSuccessStatusCode);
        Assert.True((await twilio.SendStatusAsync(delivered, "delivered")).IsSuccessStatusCode);
        Assert.True((await twilio.SendStatusAsync(undelivered, "undelivered", "30003")).IsSuccessStatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(twilio.Redactions), r => r.Count >= 2, what: "two redactions");

        // Replays and late callbacks of a final SMS do not ask again.
        Assert.True((await twilio.SendStatusAsync(delivered, "delivered")).IsSuccessStatusCode);
        Assert.True((await twilio.SendStatusAsync(undelivered, "failed", "30003")).IsSuccessStatusCode);
        await Task.Delay(800);

        Assert.Equal(new[] { delivered.Sid, undelivered.Sid }.Order(), twilio.Redactions.Select(r => r.Sid).Order());
        Assert.DoesNotContain(twilio.Redactions, r => r.Sid == onTheWay.Sid);
    }

    [Fact]
    public async Task ByDefault_NothingIsRedactedAtTwilio()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await StartAsync(twilio, redact: false);
        await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        var sent = await twilio.WaitForMessagesAsync(5);
        Assert.True((await twilio.SendStatusAsync(ToHost(host, sent[0]), "delivered")).IsSuccessStatusCode);
        await Task.Delay(800);
        Assert.Empty(twilio.Redactions);
    }

    private static Task<TestHost> StartAsync(FakeTwilio twilio, bool redact) =>
        TestHost.StartAsync(settings: SmsFallbackTests.With(twilio.HubSettings(),
            ("Hotline:Opens", "00:00"), ("Hotline:Closes", "23:59"),
            ("Alerts:SmsFallbackAfter", "00:00:01"), ("Scheduling:PollInterval", "00:00:00.100"),
            ("Privacy:RedactAtTwilio", redact ? "true" : "false")));

    // The test host's own address is its Twilio:PublicBaseUrl, so the hub asked Twilio to call it back there.
    private static FakeTwilio.SentMessage ToHost(TestHost host, FakeTwilio.SentMessage message)
    {
        Assert.Equal(new Uri(host.BaseAddress, TwilioWebhooks.StatusPath).ToString(), message.StatusCallback);
        return message;
    }
}
