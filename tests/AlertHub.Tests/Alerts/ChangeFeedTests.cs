using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Alerts;

/// <summary>CONTRACT v2: versions, the change feed, concurrent decisions and the idempotency window.</summary>
[Trait("Category", "Clock")]
public sealed class ChangeFeedTests
{
    private static readonly Dictionary<string, string?> ManyRaises = new() { ["Security:RaisePerMinute"] = "1000" };

    [Fact]
    public async Task DeviceOffline_WhileOlderAlertsAreAnsweredUpdatedResolvedAndCancelled_SeesEveryFinalStateAfterReconnect()
    {
        await using var host = await TestHost.StartAsync(settings: ManyRaises);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.LoginAsync(TestHost.Police);
        await using var device = new Device(TestHost.YouthWork);
        await device.ConnectAsync(host.BaseAddress);
        var alerts = new List<AlertDto>();
        for (var i = 0; i < 4; i++)
        {
            alerts.Add(await coordinator.RaiseAsync());
        }
        await Eventually.TrueAsync(() => alerts.All(a => device.Held.ContainsKey(a.Id)), "the four alerts pushed");

        await device.DisconnectAsync();
        await police.AcknowledgeAsync(alerts[0].Id, AckResponse.OnMyWay);
        await coordinator.PostUpdateAsync(alerts[1].Id, "Groep richting station.");
        await coordinator.ResolveAsync(alerts[2].Id, "Rustig afgelopen.");
        await coordinator.CancelAsync(alerts[3].Id);
        var final = new List<AlertDto>();
        foreach (var alert in alerts)
        {
            final.Add(await coordinator.GetAlertAsync(alert.Id));
        }

        // Every push of those changes went out while the device was away (so only the feed can bring them).
        await Eventually.TrueAsync(() => host.WithDbAsync(db => db.PushMessages.AllAsync(m => m.DispatchedAt != null)), "pushes dispatched");
        await device.ConnectAsync(host.BaseAddress);
        var ids = alerts.Select(a => a.Id).ToList();
        Assert.True(device.Lost(ids) == 0, device.Report(ids));
        foreach (var expected in final)
        {
            var held = device.Held[expected.Id];
            Assert.True(expected.Version == held.Version, $"{device.Report(ids)}; alert {expected.Sequence} held v{held.Version}, is v{expected.Version}");
            Assert.Equal(expected.Status, held.Status);
        }
        Assert.Equal(AckResponse.OnMyWay, device.Held[alerts[0].Id].Recipients.Single(r => r.Name.StartsWith("Wijkagent", StringComparison.Ordinal)).Response);
        Assert.Contains(device.Held[alerts[1].Id].Updates, u => u.Text == "Groep richting station.");
        Assert.Equal(AlertStatus.Resolved, device.Held[alerts[2].Id].Status);
        Assert.Equal(AlertStatus.Cancelled, device.Held[alerts[3].Id].Status);
        Assert.Equal(4, device.FromFeed);
    }

    [Fact]
    public async Task Versions_RiseWithEveryChange_AndAPushNotNewerIsDroppedByTheClient()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.ListenAsync(TestHost.Coordinator);
        var police = await host.ListenAsync(TestHost.Police);
        var alert = await coordinator.Client.RaiseAsync();
        Assert.Equal(1, alert.Version);

        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        await police.Connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
        var afterReceipt = await coordinator.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id && a.Version == 2);
        Assert.NotNull(afterReceipt.Recipients.Single(r => r.Name.StartsWith("Wijkagent", StringComparison.Ordinal)).ReceivedAt);

        var answered = await police.Client.AcknowledgeAsync(alert.Id, AckResponse.Seen);
        Assert.Equal(3, answered.Version);
        var updated = await coordinator.Client.PostUpdateAsync(alert.Id, "Politie is onderweg.");
        Assert.Equal(4, updated.Version);
        var resolved = await coordinator.Client.ResolveAsync(alert.Id, null);
        Assert.Equal(5, resolved.Version);
        Assert.Equal(5, (await police.Client.GetAlertAsync(alert.Id)).Version);
        // Every push the partner got is newer than the one before it for this alert.
        var versions = police.Events.Where(e => e.Alert.Id == alert.Id).Select(e => e.Alert.Version).ToList();
        Assert.Equal(versions.Order(), versions);
    }

    [Fact]
    public async Task Feed_WithoutCursor_HoldsOpenAndRecentlyClosed_ForThoseWhoMaySeeThem_AndItsCursorSkipsNothing()
    {
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time, settings: ManyRaises);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var old = await coordinator.RaiseAsync();
        await coordinator.ResolveAsync(old.Id, null);
        await time.AdvanceAsync(TimeSpan.FromHours(25), TimeSpan.FromMinutes(30));
        var recent = await coordinator.RaiseAsync();
        await coordinator.CancelAsync(recent.Id);
        var open = await coordinator.RaiseAsync();

        var teamLead = await host.ApiAsync(TestHost.TeamLead);
        var first = await teamLead.GetFromJsonAsync<AlertChangesDto>("/api/changes", AlertHubJson.Options);
        Assert.Equal(new[] { recent.Id, open.Id }, first!.Alerts.Select(a => a.Id));
        Assert.False(first.More);

        // Nothing new: the same cursor back, empty. Then one change: exactly that alert, at its new version.
        var again = await teamLead.GetFromJsonAsync<AlertChangesDto>($"/api/changes?cursor={Uri.EscapeDataString(first.Cursor)}", AlertHubJson.Options);
        Assert.Empty(again!.Alerts);
        await coordinator.PostUpdateAsync(open.Id, "Nog steeds onrustig.");
        var next = await teamLead.GetFromJsonAsync<AlertChangesDto>($"/api/changes?cursor={Uri.EscapeDataString(again.Cursor)}", AlertHubJson.Options);
        var changed = Assert.Single(next!.Alerts);
        Assert.Equal((open.Id, 2L), (changed.Id, changed.Version));

        // Need-to-know: another region sees nothing; a bad cursor is a Dutch 400 naming the field.
        var haaglanden = await host.ApiAsync(TestHost.HaaglandenPolice);
        Assert.Empty((await haaglanden.GetFromJsonAsync<AlertChangesDto>("/api/changes", AlertHubJson.Options))!.Alerts);
        using var bad = await teamLead.GetAsync("/api/changes?cursor=42");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Ongeldige cursor", problem.GetProperty("errors").GetProperty("cursor")[0].GetString());
    }

    [Fact]
    public async Task TwoConcurrentResolves_OneWins_TheOtherGets409()
    {
        await using var host = await TestHost.StartAsync(settings: ManyRaises);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        for (var round = 0; round < 5; round++)
        {
            var alert = await coordinator.RaiseAsync();
            var outcomes = await Task.WhenAll(
                Outcome(() => coordinator.ResolveAsync(alert.Id, "door coördinator")),
                Outcome(() => teamLead.ResolveAsync(alert.Id, "door regievoerder")));
            Assert.Equal(new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }, outcomes.Order());
            var stored = await coordinator.GetAlertAsync(alert.Id);
            Assert.Single(stored.Updates, u => u.Text.StartsWith("Afgehandeld", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task IdempotencyKey_ReturnsTheSameAlertInItsCurrentState_WithinTheWindow_AndIsFreeAfterIt()
    {
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time, settings: new Dictionary<string, string?> { ["Alerts:IdempotencyWindow"] = "01:00:00" });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var http = await host.ApiAsync(TestHost.Coordinator);
        var first = await coordinator.RaiseAsync(idempotencyKey: "tik-1");
        await coordinator.ResolveAsync(first.Id, "Opgelost.");

        await time.AdvanceAsync(TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(5));
        using (var repeat = await RaiseWithKeyAsync(http, "tik-1"))
        {
            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
            var same = await repeat.Content.ReadFromJsonAsync<AlertDto>(AlertHubJson.Options);
            Assert.Equal((first.Id, AlertStatus.Resolved), (same!.Id, same.Status));
        }

        await time.AdvanceAsync(TimeSpan.FromMinutes(2));
        using var fresh = await RaiseWithKeyAsync(http, "tik-1");
        Assert.Equal(HttpStatusCode.Created, fresh.StatusCode);
        var created = await fresh.Content.ReadFromJsonAsync<AlertDto>(AlertHubJson.Options);
        Assert.NotEqual(first.Id, created!.Id);
        Assert.Equal(AlertStatus.Open, created.Status);
    }

    private static async Task<HttpResponseMessage> RaiseWithKeyAsync(HttpClient http, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request);
    }

    private static async Task<HttpStatusCode> Outcome(Func<Task<AlertDto>> call)
    {
        try
        {
            await call();
            return HttpStatusCode.OK;
        }
        catch (AlertHubException e)
        {
            return e.StatusCode;
        }
    }
}
