using System.Net;
using AlertHub.Client;
using AlertHub.Partners.Webhooks;
using AlertHub.Testing;
using AlertHub.Tests.People;

namespace AlertHub.Tests.Partners;

/// <summary>
/// R16, outbound webhooks: signed (HMAC over timestamp and body, checked by a receiver built as the README says),
/// written with the change that caused them, retried on a 500 with the same delivery id, dead after the last attempt
/// and sent again from the dead-letter view; no names or notes for an organisation that is not a recipient.
/// </summary>
public sealed class WebhookTests
{
    private static Dictionary<string, string?> Settings(int maxAttempts = 8) => new()
    {
        ["Partners:WebhookAllowLoopbackHttp"] = "true",
        ["Partners:WebhookMaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<WebhookDto> SetAsync(HttpClient admin, WebhookReceiver receiver, string organisationId)
    {
        var set = await (await admin.PutJsonAsync($"/api/admin/organisations/{organisationId}/webhook", new { url = receiver.Url(organisationId) }))
            .ReadAsync<WebhookDto>();
        Assert.StartsWith(WebhookSecrets.Prefix, set.Secret);
        receiver.UseSecret(organisationId, set.Secret!);
        return set;
    }

    [Fact]
    public async Task RaisedUpdatedClosed_ReachEveryOrganisationOfTheRegion_Signed_AndNamesOnlyForRecipients()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await TestHost.StartAsync(settings: Settings());
        receiver.Clock = () => host.Now;
        var admin = await host.ApiAsync(TestHost.Admin);
        await admin.AddFireServiceAsync();
        await SetAsync(admin, receiver, "politie-zaanstreek");
        await SetAsync(admin, receiver, PartnerHttp.FireService);
        await SetAsync(admin, receiver, "politie-haaglanden");
        // The secret is never shown again.
        Assert.Null((await (await admin.GetAsync("/api/admin/organisations/politie-zaanstreek/webhook")).ReadAsync<WebhookDto>()).Secret);

        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "bekende jongeren bij de poort"));
        var police = await receiver.WaitForAsync("politie-zaanstreek", "alert.raised");
        var fireService = await receiver.WaitForAsync(PartnerHttp.FireService, "alert.raised");

        var body = police.Json;
        Assert.Equal(police.DeliveryId, body.GetProperty("id").GetString());
        Assert.True(body.GetProperty("organisationIsRecipient").GetBoolean());
        Assert.Equal(alert.Id, body.GetProperty("alert").GetProperty("id").GetGuid());
        Assert.Equal("bekende jongeren bij de poort", body.GetProperty("alert").GetProperty("note").GetString());
        Assert.Equal(alert.Recipients.Count, body.GetProperty("summary").GetProperty("recipients").GetInt32());

        // The fire service received nothing itself: the summary only, no names, no note.
        var summaryOnly = fireService.Json;
        Assert.False(summaryOnly.GetProperty("organisationIsRecipient").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, summaryOnly.GetProperty("alert").ValueKind);
        Assert.Equal(alert.Id, summaryOnly.GetProperty("summary").GetProperty("id").GetGuid());
        Assert.DoesNotContain("bekende jongeren", fireService.Body);
        foreach (var recipient in alert.Recipients)
        {
            Assert.DoesNotContain(recipient.Name, fireService.Body);
        }
        Assert.DoesNotContain(alert.RaisedBy, fireService.Body);

        // An answer is news (alert.updated); the closing is alert.closed.
        var policeMember = await host.LoginAsync(TestHost.Police);
        await policeMember.AcknowledgeAsync(alert.Id, AckResponse.OnMyWay);
        var updated = await receiver.WaitForAsync("politie-zaanstreek", "alert.updated");
        Assert.Contains(updated.Json.GetProperty("alert").GetProperty("recipients").EnumerateArray(),
            r => r.GetProperty("response").GetString() == "on_my_way");
        await coordinator.ResolveAsync(alert.Id, "opgelost");
        await receiver.WaitForAsync("politie-zaanstreek", "alert.closed");
        var closed = await receiver.WaitForAsync(PartnerHttp.FireService, "alert.closed");
        Assert.Equal("resolved", closed.Json.GetProperty("summary").GetProperty("status").GetString());

        // Another region hears nothing; every attempt carried a valid signature (the receiver answered 200).
        Assert.DoesNotContain(receiver.Attempts, a => a.Name == "politie-haaglanden");
        Assert.All(receiver.Attempts, a => Assert.Equal(200, a.Status));
        // Deliveries run side by side, so the fire service's update may land after its closing (summary.version orders them).
        await Eventually.TrueAsync(() => receiver.Accepted("politie-zaanstreek").Count == 3 && receiver.Accepted(PartnerHttp.FireService).Count == 3,
            "three events at each organisation");
        Assert.All(receiver.Attempts, a => Assert.Equal(200, a.Status));
        // The row is marked delivered just after the receiver answered: wait for it rather than race it.
        var deliveries = await Eventually.HoldsAsync(
            async () => await (await admin.GetAsync("/api/admin/webhook-deliveries?organisationId=politie-zaanstreek")).ReadAsync<List<WebhookDeliveryDto>>(),
            list => list.Count == 3 && list.All(d => d.State == WebhookDeliveryState.Delivered), what: "three delivered rows");
        Assert.Equal(["alert.closed", "alert.updated", "alert.raised"], deliveries.Select(d => d.Event));
    }

    /// <summary>
    /// Waits until the hub wrote down attempt <paramref name="attempts"/> of a delivery: its next try is computed from
    /// the clock at that moment, so moving the clock before would schedule the retry after the jump.
    /// </summary>
    private static Task RecordedAsync(HttpClient admin, string deliveryId, int attempts) => Eventually.HoldsAsync(
        async () => await (await admin.GetAsync("/api/admin/webhook-deliveries")).ReadAsync<List<WebhookDeliveryDto>>(),
        list => list.Any(d => d.Id.ToString() == deliveryId && d.Attempts == attempts && d.LastAttemptAt is not null),
        what: $"attempt {attempts} of {deliveryId} written down");

    [Fact]
    public async Task AServerError_IsRetriedWithTheSameDeliveryId_TheLastFailureIsDead_AndCanBeSentAgain()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var time = TestClock.Fake();
        var settings = Settings(maxAttempts: 3);
        settings["Alerts:EscalateAfter"] = "1.00:00:00"; // the clock jumps minutes here: no escalation (also news) in between
        await using var host = await TestHost.StartAsync(time: time, settings: settings);
        receiver.Clock = () => time.GetUtcNow();
        var admin = await host.ApiAsync(TestHost.Admin);
        await SetAsync(admin, receiver, "politie-zaanstreek");
        receiver.FailNext("politie-zaanstreek", 500);

        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        var failed = await receiver.WaitForAsync(r => r.Status == 500, "the first attempt");
        Assert.Empty(receiver.Accepted("politie-zaanstreek"));
        await RecordedAsync(admin, failed.DeliveryId, 1);
        // 10 s later it is tried again: the same delivery, a new timestamp and signature.
        await time.AdvanceAsync(TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(1));
        var retried = await receiver.WaitForAsync("politie-zaanstreek", "alert.raised");
        Assert.Equal(failed.DeliveryId, retried.DeliveryId);
        Assert.Single(receiver.Accepted("politie-zaanstreek"));

        // A receiver that keeps failing: three attempts, then dead, in the dead-letter view with its last answer.
        receiver.FailNext("politie-zaanstreek", 503, times: 3);
        var policeMember = await host.LoginAsync(TestHost.Police);
        await policeMember.AcknowledgeAsync(alert.Id, AckResponse.Seen);
        var first = await receiver.WaitForAsync(r => r.Event == "alert.updated" && r.Status == 503, "the first failure");
        int AttemptsOf(string deliveryId) => receiver.Attempts.Count(a => a.DeliveryId == deliveryId);
        await RecordedAsync(admin, first.DeliveryId, 1);
        await time.AdvanceAsync(TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => AttemptsOf(first.DeliveryId) == 2, "the second failure");
        await RecordedAsync(admin, first.DeliveryId, 2);
        await time.AdvanceAsync(TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => AttemptsOf(first.DeliveryId) == 3, "the third failure");
        var dead = (await Eventually.HoldsAsync(
            async () => await (await admin.GetAsync("/api/admin/webhook-deliveries?state=dead")).ReadAsync<List<WebhookDeliveryDto>>(),
            list => list.Count == 1, what: "a dead delivery")).Single();
        Assert.Equal(first.DeliveryId, dead.Id.ToString());
        Assert.Equal("alert.updated", dead.Event);
        Assert.Equal(3, dead.Attempts);
        Assert.Equal(503, dead.LastStatus);
        Assert.Equal("Antwoord 503.", dead.LastError);
        await time.AdvanceAsync(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30));
        Assert.Equal(3, AttemptsOf(first.DeliveryId)); // dead means no more attempts

        // Sent again from the view (the receiver is fixed): delivered, same id.
        var again = await (await admin.PostAsync($"/api/admin/webhook-deliveries/{dead.Id}/resend", null)).ReadAsync<WebhookDeliveryDto>();
        Assert.Equal(WebhookDeliveryState.Pending, again.State);
        await receiver.WaitForAsync(r => r.DeliveryId == dead.Id.ToString() && r.Status == 200, "the dead delivery sent again");
        using (var twice = await admin.PostAsync($"/api/admin/webhook-deliveries/{dead.Id}/resend", null))
        {
            Assert.True(twice.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict); // delivered by now, or still pending
        }
    }

    [Fact]
    public async Task AnAddressThatResolvesIntoTheHubsOwnNetwork_IsNeverConnectedTo()
    {
        // A listener on loopback that would take the connection if the hub made one.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Partners:WebhookMaxAttempts"] = "1" });
        var admin = await host.ApiAsync(TestHost.Admin);
        // https and a host name: the address rule accepts it; only the name's address shows where it leads.
        using (var set = await admin.PutJsonAsync("/api/admin/organisations/politie-zaanstreek/webhook", new { url = $"https://localhost:{port}/hook" }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }
        await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();

        var dead = (await Eventually.HoldsAsync(
            async () => await (await admin.GetAsync("/api/admin/webhook-deliveries?state=dead")).ReadAsync<List<WebhookDeliveryDto>>(),
            list => list.Count == 1, what: "the delivery refused")).Single();
        Assert.Equal(WebhookConnector.Refusal, dead.LastError);
        Assert.Null(dead.LastStatus);
        Assert.False(listener.Pending(), "the hub connected to an internal address");
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)] // cloud metadata
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("145.97.39.155", false)]
    [InlineData("2a00:1450:400e:80c::200e", false)]
    public void InternalAddresses_AreKnown(string address, bool isInternal) =>
        Assert.Equal(isInternal, WebhookConnector.IsInternal(IPAddress.Parse(address)));

    [Fact]
    public async Task OnlyHttpsAddresses_AreAccepted_InDutch()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.ApiAsync(TestHost.Admin);
        foreach (var (url, message) in new[]
        {
            ("http://meldkamer.example.nl/hook", "Het webhook-adres moet met https:// beginnen."),
            ("http://127.0.0.1:9/hook", "Het webhook-adres moet met https:// beginnen."), // loopback http only when the setting allows it
            ("https://gebruiker:geheim@meldkamer.example.nl/hook", "Het webhook-adres is geen geldig adres (https://…, zonder gebruikersnaam of #)."),
            ("", "Het webhook-adres is verplicht."),
        })
        {
            using var response = await admin.PutJsonAsync("/api/admin/organisations/politie-zaanstreek/webhook", new { url });
            Assert.Contains(message, (await response.ValidationErrorsAsync())["url"]);
        }
        using (var ok = await admin.PutJsonAsync("/api/admin/organisations/politie-zaanstreek/webhook", new { url = "https://meldkamer.example.nl/hook" }))
        {
            Assert.NotNull((await ok.ReadAsync<WebhookDto>()).Secret);
        }
        using (var unknown = await admin.PutJsonAsync("/api/admin/organisations/bestaat-niet/webhook", new { url = "https://meldkamer.example.nl/hook" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
    }
}
