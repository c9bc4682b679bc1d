using System.Net;
using System.Net.Http.Json;
using System.Xml.Linq;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Delivery;

/// <summary>
/// Issue 17: a coordinator without data texts ALARM &lt;code&gt; [soort] from their registered number: checked number and
/// hashed code, the alert for their school once per MessageSid, a confirmation with the link; anything else a neutral
/// answer and no alert.
/// </summary>
public sealed class SmsTriggerTests
{
    private const string CoordinatorPhone = "+31600000010";
    private const string Code = "482913";

    [Fact]
    public async Task RightCode_RaisesOnce_WrongCodeAndUnknownNumber_GetTheNeutralAnswer_AndAReplayChangesNothing()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await TestHost.StartAsync(time: TestClock.Fake(), settings: twilio.HubSettings());
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        await SetCodeAsync(coordinator.Http, Code, HttpStatusCode.NoContent);
        // Stored hashed, never the code.
        var hash = await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.Coordinator).Select(p => p.AlarmCodeHash).SingleAsync());
        Assert.NotNull(hash);
        Assert.DoesNotContain(Code, hash);
        Assert.True(await host.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Action == "person.alarm_code_set")));

        // Wrong code and unknown number: the same neutral answer, no alert.
        var wrong = await ReplyAsync(twilio, host, CoordinatorPhone, "ALARM 000111", "SM-wrong");
        var stranger = await ReplyAsync(twilio, host, "+31612345678", $"ALARM {Code}", "SM-stranger");
        var partner = await ReplyAsync(twilio, host, "+31600000001", $"ALARM {Code}", "SM-partner");
        Assert.Equal(wrong, stranger);
        Assert.Equal(wrong, partner);
        Assert.Contains("112", wrong);
        Assert.Equal(0, await host.WithDbAsync(db => db.Alerts.CountAsync()));
        Assert.True(await host.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Action == "alert.sms_trigger_refused")));

        // The right code with a kind word: the alert for the coordinator's own school, answered with the link.
        var raised = await ReplyAsync(twilio, host, CoordinatorPhone, $"alarm {Code} wapen", "SM-right");
        Assert.StartsWith("AlertHub: melding gemaakt voor Demo College Zaandam", raised);
        Assert.Contains("/m/", raised);
        var alert = Assert.Single(await coordinator.ListAlertsAsync(status: null));
        Assert.Equal(AlertKind.Weapon, alert.Kind);
        Assert.Equal("Sanne de Vries (demo)", alert.RaisedBy);
        Assert.NotEmpty(alert.Recipients);
        Assert.True(await host.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Action == "alert.raised")));

        // Twilio sends the same MessageSid again: the same answer, still one alert.
        var replay = await ReplyAsync(twilio, host, CoordinatorPhone, $"alarm {Code} wapen", "SM-right");
        Assert.Equal(raised, replay);
        Assert.Single(await coordinator.ListAlertsAsync(status: null));
    }

    [Fact]
    public async Task FiveWrongCodes_LockTheCode_EvenTheRightOneIsRefusedThen_AndWeakCodesAreRefusedInDutch()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var weak = await SetCodeAsync(coordinator.Http, "111111", HttpStatusCode.BadRequest);
        Assert.Contains("minder voorspelbare", weak);
        Assert.Contains("6 tot 8 cijfers", await SetCodeAsync(coordinator.Http, "12a4", HttpStatusCode.BadRequest));
        Assert.Contains("coördinator", await SetCodeAsync((await host.LoginAsync(TestHost.Police)).Http, Code, HttpStatusCode.Forbidden));
        await SetCodeAsync(coordinator.Http, Code, HttpStatusCode.NoContent);

        for (var i = 0; i < 5; i++)
        {
            await ReplyAsync(twilio, host, CoordinatorPhone, $"ALARM 99999{i}", $"SM-guess-{i}");
        }
        var locked = await ReplyAsync(twilio, host, CoordinatorPhone, $"ALARM {Code}", "SM-locked");
        Assert.DoesNotContain("melding gemaakt", locked);
        Assert.Equal(0, await host.WithDbAsync(db => db.Alerts.CountAsync()));

        // After the lock the right code works again.
        time.Advance(TimeSpan.FromMinutes(16));
        Assert.Contains("melding gemaakt", await ReplyAsync(twilio, host, CoordinatorPhone, $"ALARM {Code}", "SM-after"));
    }

    private static async Task<string> SetCodeAsync(HttpClient api, string code, HttpStatusCode expected)
    {
        using var response = await api.PutAsJsonAsync("/api/me/alarm-code", new { code });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return body;
    }

    private static async Task<string> ReplyAsync(FakeTwilio twilio, TestHost host, string from, string body, string sid)
    {
        using var response = await twilio.SendInboundAsync(host.BaseAddress, from, body, messageSid: sid);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The answer Twilio texts back: the TwiML <Message>, none when the hub stays silent.
        var twiml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return twiml.Root?.Element("Message")?.Value ?? "";
    }
}
