using System.Net;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using System.Net.Http.Json;

namespace AlertHub.Tests.Delivery;

/// <summary>Status callbacks and SMS replies, signed by the fake exactly as Twilio signs them.</summary>
public sealed class TwilioWebhookTests : IAsyncLifetime
{
    private FakeTwilio _twilio = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _twilio = await FakeTwilio.StartAsync();
        // Signatures are computed over the hub's public URL: the test host fills in its own address.
        _host = await TestHost.StartAsync(settings: SmsFallbackTests.With(_twilio.HubSettings(),
            ("Alerts:SmsFallbackAfter", "00:00:01"), ("Scheduling:PollInterval", "00:00:00.100")));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    [Fact]
    public async Task StatusCallback_Forged_Is403_Valid_Delivers_Replay_ChangesNothing()
    {
        var coordinator = await _host.ListenAsync(TestHost.Coordinator);
        var alert = await coordinator.Client.RaiseAsync();
        var sent = await _twilio.WaitForMessagesAsync(5);
        var toPolice = sent.Single(m => m.To == "+31600000001");
        var callback = await StoredAsync(toPolice);

        using (var forged = await _twilio.SendStatusAsync(callback, "delivered", signatureOverride: "bm90IGEgc2lnbmF0dXJl"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }
        Assert.Equal(SmsStatus.Sent, await Eventually.HoldsAsync(() => StatusOf(toPolice.Sid), s => s == SmsStatus.Sent));

        using (var valid = await _twilio.SendStatusAsync(callback, "delivered"))
        {
            Assert.True(valid.IsSuccessStatusCode);
        }
        await coordinator.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id
            && a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.SmsDelivered);

        using (var replay = await _twilio.SendStatusAsync(callback, "sent"))
        {
            Assert.True(replay.IsSuccessStatusCode);
        }
        using (var late = await _twilio.SendStatusAsync(callback, "failed", "30003"))
        {
            Assert.True(late.IsSuccessStatusCode);
        }
        Assert.Equal(SmsStatus.Delivered, await StatusOf(toPolice.Sid));
        var view = await coordinator.Client.GetAlertAsync(alert.Id);
        Assert.Equal(DeliveryState.SmsDelivered, view.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery);
    }

    [Fact]
    public async Task NumberFailingThreeTimesInARow_IsFlaggedForTheAdmin()
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        for (var i = 1; i <= 3; i++)
        {
            var alert = await coordinator.RaiseAsync(idempotencyKey: $"fail-{i}");
            var message = (await _twilio.WaitForMessagesAsync(5 * i)).Single(m => m.To == "+31600000003" && !Seen.Contains(m.Sid));
            Seen.Add(message.Sid);
            using var response = await _twilio.SendStatusAsync(await StoredAsync(message), "undelivered", "30003");
            Assert.True(response.IsSuccessStatusCode);
            var view = await coordinator.GetAlertAsync(alert.Id);
            Assert.Equal(DeliveryState.SmsFailed, view.Recipients.Single(r => r.Discipline == Discipline.Enforcement).Delivery);
        }
        var admin = await _host.LoginAsync(TestHost.Admin);
        var flagged = await admin.Http.GetFromJsonAsync<List<FlaggedNumberDto>>("/api/admin/flagged-numbers", AlertHubJson.Options);
        var entry = Assert.Single(flagged!);
        Assert.Equal("+31600000003", entry.Phone);
        Assert.Equal(3, entry.FailuresInARow);
        Assert.Equal("30003", entry.LastErrorCode);

        var partner = await _host.LoginAsync(TestHost.Police);
        Assert.Equal(HttpStatusCode.Forbidden, (await partner.Http.GetAsync("/api/admin/flagged-numbers")).StatusCode);

        // Names and numbers of people: the admin's look is audited like any list of people.
        var adminId = (await admin.GetMeAsync()).PersonId;
        Assert.True(await _host.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Action == "person.flagged_listed" && e.ActorId == adminId)));
    }

    [Fact]
    public async Task InboundReply2_AcknowledgesOnMyWay_VisibleToTheCoordinator()
    {
        var coordinator = await _host.ListenAsync(TestHost.Coordinator);
        var alert = await coordinator.Client.RaiseAsync();
        await _twilio.WaitForMessagesAsync(5);

        using var reply = await _twilio.SendInboundAsync(_host.BaseAddress, "+31600000002", " 2 ");
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Contains("onderweg", await reply.Content.ReadAsStringAsync());
        var seen = await coordinator.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id
            && a.Recipients.Single(r => r.Discipline == Discipline.YouthWork).Response == AckResponse.OnMyWay);
        Assert.NotNull(seen.Recipients.Single(r => r.Discipline == Discipline.YouthWork).RespondedAt);
        Assert.Equal("sms", await _host.WithDbAsync(db => db.Acknowledgements.Where(k => k.AlertId == alert.Id).Select(k => k.Channel).SingleAsync()));
    }

    [Fact]
    public async Task InboundOtherText_GetsHelp_UnknownNumberAndForgery_ChangeNothing()
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        await coordinator.RaiseAsync();
        await _twilio.WaitForMessagesAsync(5);

        using var help = await _twilio.SendInboundAsync(_host.BaseAddress, "+31600000002", "wie is dit?");
        Assert.Contains("1=gezien", await help.Content.ReadAsStringAsync());

        using var stranger = await _twilio.SendInboundAsync(_host.BaseAddress, "+31612345678", "1");
        Assert.Equal(HttpStatusCode.OK, stranger.StatusCode);
        Assert.DoesNotContain("<Message>", await stranger.Content.ReadAsStringAsync());

        using var forged = await _twilio.SendInboundAsync(_host.BaseAddress, "+31600000002", "1", signatureOverride: "Zm9yZ2Vk");
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        Assert.Equal(0, await _host.WithDbAsync(db => db.Acknowledgements.CountAsync()));
    }

    private readonly HashSet<string> Seen = [];

    // The fake sends callbacks to the URL the hub gave it: the test host's own address, its
    // Twilio:PublicBaseUrl. The fake has answered before the hub stored the sid; a callback is only
    // meaningful once it has.
    private async Task<FakeTwilio.SentMessage> StoredAsync(FakeTwilio.SentMessage message)
    {
        Assert.Equal(new Uri(_host.BaseAddress, TwilioWebhooks.StatusPath).ToString(), message.StatusCallback);
        await Eventually.HoldsAsync(() => _host.WithDbAsync(db => db.SmsMessages.AnyAsync(m => m.ProviderSid == message.Sid)), stored => stored,
            what: "the hub stored the Twilio sid");
        return message;
    }

    private Task<SmsStatus?> StatusOf(string sid) =>
        _host.WithDbAsync(db => db.SmsMessages.Where(m => m.ProviderSid == sid).Select(m => (SmsStatus?)m.Status).SingleOrDefaultAsync());
}
