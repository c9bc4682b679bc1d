using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Delivery;

/// <summary>
/// Issue 13: an SMS goes out exactly once as far as Twilio can tell us — whatever the provider or the node does
/// in between (a timeout or a 5xx after Twilio accepted, a 5xx before, a node killed mid-send, an open circuit
/// breaker), every recipient who needs an SMS gets one, and nothing Twilio accepted is shown as failed.
/// The real hub, the fake Twilio over HTTP (with its Messages list), real time in seconds.
/// </summary>
public sealed class SmsExactlyOnceTests
{
    private const string Police = "+31600000001";
    private const string YouthWork = "+31600000002";
    private const string Enforcement = "+31600000003";
    private const string Coordinator2 = "+31600000011";
    private const string Ambassador = "+31600000012";
    private static readonly string[] FallbackNumbers = [Police, YouthWork, Enforcement, Coordinator2, Ambassador];

    private static Dictionary<string, string?> Settings(FakeTwilio twilio, params (string Key, string Value)[] extra) =>
        SmsFallbackTests.With(twilio.HubSettings(),
            [("Alerts:SmsFallbackAfter", "00:00:01"), ("Sms:ReconcileAfter", "00:00:01"), ("Sms:RetryAfter", "00:00:01"),
             // Two 5xx among the first four sends open the circuit (ratio 0.5): the lookups then wait for it, briefly here.
             ("Twilio:BreakDuration", "00:00:01"),
             ("Scheduling:PollInterval", "00:00:00.100"), .. extra]);

    [Fact]
    public async Task TimeoutAfterTwilioAccepted_ExactlyOneSms_ShownAsSent_AndItsCallbacksMatch()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.AcceptThenHold(TimeSpan.FromSeconds(6), to: Police);
        await using var host = await TestHost.StartAsync(settings: Settings(twilio, ("Twilio:Timeout", "00:00:01")));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();

        var view = await AllSmsSentAsync(coordinator, alert.Id);
        await Task.Delay(2000); // a wrong resend would come within the reconcile interval
        Assert.Single(twilio.MessagesTo(Police));
        Assert.Single(twilio.Attempts, a => a.To == Police);
        Assert.True(twilio.ListRequests >= 1, "the uncertain SMS was looked up in Twilio's Messages list");
        Assert.DoesNotContain(view.Recipients, r => r.Delivery == DeliveryState.SmsFailed);
        var row = await host.WithDbAsync(db => db.SmsMessages.AsNoTracking().SingleAsync(m => m.To == Police));
        Assert.Equal(twilio.MessagesTo(Police)[0].Sid, row.ProviderSid);

        // Reconciled, the row knows its sid: Twilio's status callback now finds it.
        using (var delivered = await twilio.SendStatusAsync(twilio.MessagesTo(Police)[0], "delivered"))
        {
            Assert.True(delivered.IsSuccessStatusCode);
        }
        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.SmsDelivered);
    }

    [Fact]
    public async Task ServerErrorAfterTwilioAccepted_ExactlyOneSms_ShownAsSent()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.AcceptThenFail(HttpStatusCode.InternalServerError, to: YouthWork);
        twilio.AcceptThenFail(HttpStatusCode.BadGateway, to: Enforcement);
        await using var host = await TestHost.StartAsync(settings: Settings(twilio));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();

        var view = await AllSmsSentAsync(coordinator, alert.Id);
        await Task.Delay(2000);
        Assert.Single(twilio.MessagesTo(YouthWork));
        Assert.Single(twilio.MessagesTo(Enforcement));
        Assert.Equal(5, twilio.Attempts.Count);
        Assert.Equal(5, twilio.Messages.Count);
        Assert.DoesNotContain(view.Recipients, r => r.Delivery == DeliveryState.SmsFailed);
    }

    [Fact]
    public async Task LookupFails_TheUncertainSmsIsNeverSentBlind_AndIsSettledWhenTwilioAnswers()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.AcceptThenFail(HttpStatusCode.InternalServerError, to: Police);
        twilio.FailNextListWith(HttpStatusCode.ServiceUnavailable);
        twilio.FailNextListWith(HttpStatusCode.ServiceUnavailable);
        await using var host = await TestHost.StartAsync(settings: Settings(twilio));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();

        await AllSmsSentAsync(coordinator, alert.Id);
        Assert.True(twilio.ListRequests >= 3, $"two failed lookups and one that answered; saw {twilio.ListRequests}");
        Assert.Single(twilio.MessagesTo(Police));
        Assert.Single(twilio.Attempts, a => a.To == Police);
    }

    [Fact]
    public async Task OneSlowRecipient_DoesNotHoldTheOthers()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.DelayNext(TimeSpan.FromSeconds(6), to: Police);
        twilio.FailNextWith(HttpStatusCode.TooManyRequests, retryAfterSeconds: 3, to: YouthWork);
        await using var host = await TestHost.StartAsync(settings: Settings(twilio));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        await coordinator.RaiseAsync();

        // The three others are sent side by side while police waits 6 s and youth work honours a Retry-After of 3 s.
        await Eventually.TrueAsync(() => twilio.Messages.Count(m => m.To is Enforcement or Coordinator2 or Ambassador) == 3,
            "the other recipients' SMS", TimeSpan.FromSeconds(4));
        Assert.Empty(twilio.MessagesTo(Police));
        Assert.Empty(twilio.MessagesTo(YouthWork));
        await twilio.WaitForMessagesAsync(5, TimeSpan.FromSeconds(15));
        Assert.All(FallbackNumbers, n => Assert.Single(twilio.MessagesTo(n)));
    }

    [Fact]
    public async Task CircuitOpenDuringEscalation_TheBackupsAreTextedOnceTwilioIsBack()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        // The first round fails before accepting: the circuit opens, and the escalation two seconds later meets it.
        for (var i = 0; i < 5; i++)
        {
            twilio.FailNextWith(HttpStatusCode.ServiceUnavailable);
        }
        await using var host = await TestHost.StartAsync(settings: Settings(twilio,
            ("Alerts:EscalateAfter", "00:00:02"), ("Twilio:BreakDuration", "00:00:04")));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();

        await Eventually.TrueAsync(() => host.WithDbAsync(db => db.SmsMessages.AnyAsync(m =>
                m.AlertId == alert.Id && m.Purpose == SmsPurposes.Escalation && m.Status == SmsStatus.NotSent && m.ErrorCode == "circuit_open")),
            "an escalation SMS held back by the open circuit", TimeSpan.FromSeconds(15));

        var rows = await Eventually.HoldsAsync(
            () => host.WithDbAsync(db => db.SmsMessages.AsNoTracking().Where(m => m.AlertId == alert.Id).ToListAsync()),
            r => r.Count(m => m.Purpose == SmsPurposes.Escalation) >= 2 && r.All(m => m.Status == SmsStatus.Sent),
            TimeSpan.FromSeconds(40), "every fallback and escalation SMS sent");
        await Task.Delay(1500);
        foreach (var row in rows)
        {
            Assert.Single(twilio.Messages, m => m.To == row.To && m.Body == row.Body);
        }
        var view = await coordinator.GetAlertAsync(alert.Id);
        Assert.DoesNotContain(view.Recipients, r => r.Delivery is DeliveryState.SmsFailed or DeliveryState.Pending);
    }

    [Fact]
    public async Task NotSentSms_IsDropped_WhenTheRecipientAnswersMeanwhile()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        for (var i = 0; i < 12; i++)
        {
            twilio.FailNextWith(HttpStatusCode.TooManyRequests, to: Police);
        }
        await using var host = await TestHost.StartAsync(settings: Settings(twilio, ("Twilio:MaxRetryDelay", "00:00:00.200"), ("Sms:RetryAfter", "00:00:03")));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.LoginAsync(TestHost.Police);
        var alert = await coordinator.RaiseAsync();
        await Eventually.TrueAsync(() => host.WithDbAsync(db => db.SmsMessages.AnyAsync(m => m.To == Police && m.Status == SmsStatus.NotSent)),
            "police's SMS refused with 429 and waiting", TimeSpan.FromSeconds(10));

        await police.AcknowledgeAsync(alert.Id, AckResponse.OnMyWay);
        await Eventually.TrueAsync(() => host.WithDbAsync(db => db.SmsMessages.AnyAsync(m => m.To == Police && m.Status == SmsStatus.Cancelled)),
            "police's SMS no longer needed", TimeSpan.FromSeconds(10));
        Assert.Empty(twilio.MessagesTo(Police));
    }

    [Fact]
    public async Task EvaluationDueSms_WrittenBeforeItIsSent_AndRetriedUntilTwilioTakesIt()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await TestHost.StartAsync(settings: Settings(twilio, ("Alerts:SmsFallbackAfter", "01:00:00"),
            ("Alerts:EscalateAfter", "01:00:00"), ("Evaluations:DueAfter", "00:00:03"), ("Twilio:MaxRetryDelay", "00:00:00.100")));
        var teamLeadPhone = await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.TeamLead).Select(p => p.Phone!).SingleAsync());
        for (var i = 0; i < 8; i++)
        {
            twilio.FailNextWith(HttpStatusCode.TooManyRequests, to: teamLeadPhone); // two whole sends refused, with their retries
        }
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        await coordinator.RaiseAsync();

        var row = await Eventually.HoldsAsync(
            () => host.WithDbAsync(db => db.SmsMessages.AsNoTracking().SingleOrDefaultAsync(m => m.Purpose == SmsPurposes.Evaluation)),
            m => m?.Status == SmsStatus.Sent, TimeSpan.FromSeconds(20), "the evaluation SMS sent");
        Assert.Equal(3, row!.Attempts);
        Assert.Single(twilio.MessagesTo(teamLeadPhone));
        Assert.Contains("evaluatie", twilio.MessagesTo(teamLeadPhone)[0].Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task NumberRefusedAtSendTime_IsFlaggedAtOnce_WithItsReason_AndNotTriedAgain()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.Refuse(Enforcement, 21610);
        await using var host = await TestHost.StartAsync(settings: Settings(twilio));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();

        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Enforcement).Delivery == DeliveryState.SmsFailed
                && a.Recipients.Count(r => r.Delivery == DeliveryState.SmsSent) == 4);
        await Task.Delay(2500);
        Assert.Single(twilio.Attempts, a => a.To == Enforcement);
        var row = await host.WithDbAsync(db => db.SmsMessages.AsNoTracking().SingleAsync(m => m.To == Enforcement));
        Assert.Equal((SmsStatus.Failed, "21610"), (row.Status, row.ErrorCode));

        using var admin = await host.ApiAsync(TestHost.Admin);
        var flagged = await admin.GetFromJsonAsync<JsonElement>("/api/admin/flagged-numbers");
        var entry = Assert.Single(flagged.EnumerateArray());
        Assert.Equal(Enforcement, entry.GetProperty("phone").GetString());
        Assert.Equal("21610", entry.GetProperty("lastErrorCode").GetString());
        Assert.Contains("STOP", entry.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task StatusCallbackBeforeTheSidIsStored_IsKept_AndAppliedWhenTheSendIsRecorded()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.AcceptThenHold(TimeSpan.FromSeconds(3), to: Police);
        await using var host = await TestHost.StartAsync(settings: Settings(twilio));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();

        await Eventually.TrueAsync(() => twilio.MessagesTo(Police).Count == 1, "Twilio accepted police's SMS", TimeSpan.FromSeconds(10));
        using (var early = await twilio.SendStatusAsync(twilio.MessagesTo(Police)[0], "delivered"))
        {
            Assert.True(early.IsSuccessStatusCode);
        }
        Assert.Equal(1, await host.WithDbAsync(db => db.SmsStatusCallbacks.CountAsync()));

        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.SmsDelivered, TimeSpan.FromSeconds(10));
        Assert.Equal(SmsStatus.Delivered, await host.WithDbAsync(db => db.SmsMessages.Where(m => m.To == Police).Select(m => m.Status).SingleAsync()));
        Assert.Equal(0, await host.WithDbAsync(db => db.SmsStatusCallbacks.CountAsync()));
    }

    [Fact]
    public async Task StatusCallbackCommittedJustAfterTheSendLookedForIt_IsStillApplied()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await TestHost.StartAsync(settings: Settings(twilio));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        await Eventually.TrueAsync(() => twilio.MessagesTo(Police).Count == 1, "Twilio accepted police's SMS", TimeSpan.FromSeconds(10));
        var sent = twilio.MessagesTo(Police)[0];
        await Eventually.TrueAsync(async () => await host.WithDbAsync(db => db.SmsMessages.AnyAsync(m => m.ProviderSid == sent.Sid)),
            "the sid stored", TimeSpan.FromSeconds(10));

        // The race as it happens: the send job looked for kept callbacks (none yet), the callback comes while the
        // sid is not yet visible and is kept, then the send job's commit makes the sid visible — without looking again.
        await host.WithDbAsync(db => db.SmsMessages.Where(m => m.ProviderSid == sent.Sid)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.ProviderSid, (string?)null)));
        using (var early = await twilio.SendStatusAsync(sent, "delivered"))
        {
            Assert.True(early.IsSuccessStatusCode);
        }
        Assert.Equal(1, await host.WithDbAsync(db => db.SmsStatusCallbacks.CountAsync()));
        await host.WithDbAsync(db => db.SmsMessages.Where(m => m.To == Police)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.ProviderSid, sent.Sid)));

        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.SmsDelivered, TimeSpan.FromSeconds(10));
        Assert.Equal(SmsStatus.Delivered, await host.WithDbAsync(db => db.SmsMessages.Where(m => m.To == Police).Select(m => m.Status).SingleAsync()));
        Assert.Equal(0, await host.WithDbAsync(db => db.SmsStatusCallbacks.CountAsync()));
    }

    [Fact]
    public async Task ReplayedInboundMessageSid_ChangesNothing_AndGetsTheSameAnswer()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await TestHost.StartAsync(settings: Settings(twilio));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.LoginAsync(TestHost.Police);
        var alert = await coordinator.RaiseAsync();
        await twilio.WaitForMessagesAsync(5);

        var sid = FakeTwilio.NewSid();
        string first;
        using (var reply = await twilio.SendInboundAsync(host.BaseAddress, Police, "2", messageSid: sid))
        {
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            first = await reply.Content.ReadAsStringAsync();
        }
        Assert.Contains("<Message>", first);
        await police.AcknowledgeAsync(alert.Id, AckResponse.OnScene); // a newer answer, in the app

        using (var replay = await twilio.SendInboundAsync(host.BaseAddress, Police, "2", messageSid: sid))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal(first, await replay.Content.ReadAsStringAsync());
        }
        var view = await coordinator.GetAlertAsync(alert.Id);
        Assert.Equal(AckResponse.OnScene, view.Recipients.Single(r => r.Discipline == Discipline.Police).Response);
        Assert.Equal(2, await host.WithDbAsync(db => db.Acknowledgements.CountAsync(a => a.AlertId == alert.Id)));

        // A new message (another sid) is a new answer.
        using (await twilio.SendInboundAsync(host.BaseAddress, Police, "2"))
        {
        }
        view = await coordinator.GetAlertAsync(alert.Id);
        Assert.Equal(AckResponse.OnMyWay, view.Recipients.Single(r => r.Discipline == Discipline.Police).Response);
    }

    [Fact]
    public async Task NodeKilledDuringSends_AfterRestartEveryRecipientHasExactlyOneSms()
    {
        await using var twilio = await FakeTwilio.StartAsync(TimeProvider.System); // a hub process runs on the real clock
        // Accepted but not yet answered when the node dies, and one not yet accepted (the kill aborts it).
        twilio.AcceptThenHold(TimeSpan.FromSeconds(60), to: Police);
        twilio.AcceptThenHold(TimeSpan.FromSeconds(60), to: Enforcement);
        twilio.DelayNext(TimeSpan.FromSeconds(60), to: YouthWork);
        var folder = Directory.CreateTempSubdirectory("alerthub-kill-").FullName;
        try
        {
            var settings = Settings(twilio, ("Twilio:Timeout", "00:00:03"), ("Twilio:MaxRetryDelay", "00:00:01"),
                ("Scheduling:Lease", "00:00:05"), ("Alerts:EscalateAfter", "01:00:00"),
                // The real clock: any hour of the day the run happens to start at must be within hotline hours.
                ("Hotline:Opens", "00:00"), ("Hotline:Closes", "23:59:59.9999999"));
            settings["ConnectionStrings:AlertHub"] = $"Data Source={Path.Combine(folder, "alerthub.db")};Default Timeout=30";
            settings["Database:Provider"] = "Sqlite";
            Guid alertId;
            await using (var first = await HubProcess.StartAsync(settings))
            {
                var coordinator = await first.LoginAsync(TestHost.Coordinator);
                alertId = (await coordinator.RaiseAsync()).Id;
                await Eventually.TrueAsync(() => twilio.MessagesTo(Police).Count == 1 && twilio.MessagesTo(Enforcement).Count == 1
                        && twilio.Attempts.Any(a => a.To == YouthWork),
                    "three sends in flight at Twilio", TimeSpan.FromSeconds(15));
                await first.KillAsync();
            }
            Assert.Empty(twilio.MessagesTo(YouthWork));

            await using var restarted = await HubProcess.StartAsync(settings);
            var again = await restarted.LoginAsync(TestHost.Coordinator);
            var view = await Eventually.HoldsAsync(() => again.GetAlertAsync(alertId),
                a => a.Recipients.Count(r => r.Delivery == DeliveryState.SmsSent) == 5, TimeSpan.FromSeconds(60), "every SMS sent after the restart");
            await Task.Delay(2000);
            Assert.All(FallbackNumbers, n => Assert.Single(twilio.MessagesTo(n)));
            Assert.Equal(5, view.Recipients.Count);
        }
        finally
        {
            TestHost.TryDelete(folder);
        }
    }

    private static Task<AlertDto> AllSmsSentAsync(AlertHubClient coordinator, Guid alertId) =>
        Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alertId),
            a => a.Recipients.Count(r => r.Delivery == DeliveryState.SmsSent) == 5, TimeSpan.FromSeconds(20), "all five SMS shown as sent");
}
