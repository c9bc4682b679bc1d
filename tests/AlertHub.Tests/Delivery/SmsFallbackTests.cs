using System.Net;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Tests.Delivery;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class SmsFallbackTests
{
    private const string PolicePhone = "+31600000001";
    private const string YouthWorkPhone = "+31600000002";
    private const string EnforcementPhone = "+31600000003";
    private const string AmbassadorPhone = "+31600000012";
    private const string Coordinator2Phone = "+31600000011";

    // 10:00 in Amsterdam on the test day: the hotline is open.
    private static FakeTimeProvider OpenHours() => TestClock.Fake();

    [Fact]
    public async Task OfflinePartners_GetExactlyOneSms_AfterTheWindow_WithoutNoteOrNames()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var time = OpenHours();
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        var police = await host.ListenAsync(TestHost.Police);
        police.ConfirmReceipts = true;
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var youthWork = await host.LoginAsync(TestHost.YouthWork);

        const string note = "Jan de Boer bedreigd bij de fietsenstalling";
        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: note));
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Received);
        await youthWork.AcknowledgeAsync(alert.Id, AckResponse.Seen); // answered without a device receipt

        await time.AdvanceAsync(TimeSpan.FromSeconds(29));
        await Task.Delay(300);
        Assert.Empty(twilio.Attempts);

        await time.AdvanceAsync(TimeSpan.FromSeconds(2));
        var sent = await twilio.WaitForMessagesAsync(3);
        await time.AdvanceAsync(TimeSpan.FromSeconds(90)); // later rounds must not send again
        await Task.Delay(300);

        sent = twilio.Messages;
        Assert.Equal([EnforcementPhone, Coordinator2Phone, AmbassadorPhone], sent.Select(m => m.To).Order());
        Assert.DoesNotContain(sent, m => m.To is PolicePhone or YouthWorkPhone);
        var names = (await host.WithDbAsync(db => db.People.Select(p => p.Name).ToListAsync()))
            .SelectMany(n => n.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(w => w.Length > 3 && w != "(demo)");
        foreach (var message in sent)
        {
            Assert.True(message.Body.Length <= 160, message.Body);
            Assert.True(SmsText.IsGsm7(message.Body), message.Body);
            Assert.Contains($"Demo College Zaandam {TestClock.Local(TestClock.Start):HH:mm}", message.Body);
            Assert.Contains("1=gezien 2=onderweg", message.Body);
            Assert.DoesNotContain("Jan", message.Body);
            Assert.DoesNotContain("Boer", message.Body);
            Assert.DoesNotContain("fietsenstalling", message.Body);
            Assert.All(names, name => Assert.DoesNotContain(name, message.Body));
        }

        var view = await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Count(r => r.Delivery == DeliveryState.SmsSent) == 3);
        Assert.Equal(DeliveryState.Received, view.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery);
    }

    [Fact]
    public async Task TooManyRequestsTwice_ThenSuccess_SendsOneSms()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.FailNextWith(HttpStatusCode.TooManyRequests, retryAfterSeconds: 1);
        twilio.FailNextWith(HttpStatusCode.TooManyRequests, retryAfterSeconds: 1);
        await using var host = await TestHost.StartAsync(settings: With(twilio.HubSettings(), ("Alerts:SmsFallbackAfter", "00:00:01")));
        await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();

        var sent = await twilio.WaitForMessagesAsync(5, TimeSpan.FromSeconds(20));
        await Task.Delay(1500);
        Assert.Equal(5, twilio.Messages.Count);
        Assert.Equal(5, twilio.Messages.Select(m => m.To).Distinct().Count());
        Assert.Equal(7, twilio.Attempts.Count); // 2 refused with 429 and retried, nothing sent twice
    }

    [Fact]
    public async Task ServerErrorWithoutAccepting_IsLookedUp_AndSentAgainOnce()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.FailNextWith(HttpStatusCode.InternalServerError);
        await using var host = await TestHost.StartAsync(settings: With(twilio.HubSettings(),
            ("Alerts:SmsFallbackAfter", "00:00:01"), ("Sms:ReconcileAfter", "00:00:01")));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();

        // Uncertain first (a 5xx may follow an accept), then Twilio's list shows it never arrived: sent again, once.
        var view = await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Count(r => r.Delivery == DeliveryState.SmsSent) == 5, TimeSpan.FromSeconds(20));
        await Task.Delay(2500);
        Assert.Equal(6, twilio.Attempts.Count);
        Assert.Equal(5, twilio.Messages.Count);
        Assert.Equal(5, twilio.Messages.Select(m => m.To).Distinct().Count());
        Assert.True(twilio.ListRequests >= 1);
        Assert.DoesNotContain(view.Recipients, r => r.Delivery == DeliveryState.SmsFailed);
    }

    [Fact]
    public async Task OpenCircuit_StopsCallingTwilio_WhileAlertsAreStillRaisedAndPushed()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            twilio.FailNextWith(HttpStatusCode.ServiceUnavailable);
        }
        await using var host = await TestHost.StartAsync(settings: With(twilio.HubSettings(), ("Alerts:SmsFallbackAfter", "00:00:01")));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        await coordinator.RaiseAsync(idempotencyKey: "a");
        await Eventually.HoldsAsync(() => Task.FromResult(twilio.Attempts.Count), n => n >= 4, what: "first round of SMS attempts");
        await Task.Delay(1000);
        var attemptsBefore = twilio.Attempts.Count;

        var police = await host.ListenAsync(TestHost.Police);
        var second = await coordinator.RaiseAsync(idempotencyKey: "b");
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == second.Id);
        var notSent = await Eventually.HoldsAsync(
            () => host.WithDbAsync(db => db.SmsMessages.CountAsync(m => m.AlertId == second.Id && m.Status == SmsStatus.NotSent)),
            n => n >= 1, what: "SMS held back by the open circuit");
        Assert.True(notSent >= 1);
        Assert.Equal(attemptsBefore, twilio.Attempts.Count);
    }

    [Fact]
    public async Task OutsideHotlineHours_NoSmsToTheTeam_ButTheOutOfHoursContactGetsOne()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var time = TestClock.Fake(TestClock.At(0, 19, 30));
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        await host.WithDbAsync(async db =>
        {
            var region = await db.Regions.SingleAsync(r => r.Id == "zaanstreek");
            region.OutOfHoursPersonId = (await db.People.SingleAsync(p => p.Email == TestHost.TeamLead)).Id;
            return await db.SaveChangesAsync();
        });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        var alert = await coordinator.RaiseAsync();
        Assert.False(alert.HotlineOpen);
        Assert.Contains("112", alert.Notice);
        Assert.Contains("gesloten", alert.Notice);

        await time.AdvanceAsync(TimeSpan.FromSeconds(45));
        var sent = await twilio.WaitForMessagesAsync(1);
        await Task.Delay(500);
        Assert.Equal(["+31600000009"], twilio.Messages.Select(m => m.To));
    }

    [Fact]
    public async Task HostStoppedBeforeTheWindow_SendsTheSmsOnceAfterRestart()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var directory = Directory.CreateTempSubdirectory("alerthub-sms-restart-").FullName;
        var start = TestClock.Start;
        try
        {
            await using (var first = await TestHost.StartAsync(directory, new FakeTimeProvider(start), twilio.HubSettings()))
            {
                await (await first.LoginAsync(TestHost.Coordinator)).RaiseAsync();
            }
            Assert.Empty(twilio.Attempts);

            await using (var second = await TestHost.StartAsync(directory, new FakeTimeProvider(start.AddMinutes(1)), twilio.HubSettings()))
            {
                await twilio.WaitForMessagesAsync(5);
                await second.Time!.AdvanceAsync(TimeSpan.FromSeconds(30));
            }
            await using (var third = await TestHost.StartAsync(directory, new FakeTimeProvider(start.AddMinutes(2)), twilio.HubSettings()))
            {
                await Task.Delay(1500);
            }
            Assert.Equal(5, twilio.Messages.Count);
            Assert.Equal(5, twilio.Messages.Select(m => m.To).Distinct().Count());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TwoHostsOnOneDatabase_SendEachSmsOnce()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var directory = Directory.CreateTempSubdirectory("alerthub-sms-two-").FullName;
        try
        {
            var settings = With(twilio.HubSettings(), ("Alerts:SmsFallbackAfter", "00:00:01"), ("Scheduling:PollInterval", "00:00:00.100"));
            await using var a = await TestHost.StartAsync(directory, settings: settings);
            await using var b = await TestHost.StartAsync(directory, settings: settings);
            var coordinator = await a.LoginAsync(TestHost.Coordinator);
            for (var i = 0; i < 3; i++)
            {
                await coordinator.RaiseAsync(idempotencyKey: $"k{i}");
            }
            await twilio.WaitForMessagesAsync(15, TimeSpan.FromSeconds(20));
            await Task.Delay(1500);
            Assert.Equal(15, twilio.Attempts.Count);
            Assert.Equal(15, twilio.Messages.Count);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static Dictionary<string, string?> With(Dictionary<string, string?> settings, params (string Key, string Value)[] extra)
    {
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }
}
