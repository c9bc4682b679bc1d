using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Testing;
using AlertHub.Tests.Delivery;

namespace AlertHub.Tests.Alerts;

/// <summary>Issue 14: "soort situatie" changes the alert's kind — not a text update — so the SMS, the push and the timeline follow it.</summary>
public sealed class ChangeKindTests
{
    [Fact]
    public async Task CoordinatorChangesTheKind_PartnersHearIt_AndTheLaterSmsSaysIt()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await TestHost.StartAsync(settings: SmsFallbackTests.With(twilio.HubSettings(), ("Alerts:SmsFallbackAfter", "00:00:03")));
        var police = await host.ListenAsync(TestHost.Police);
        var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var raised = await (await coordinator.PostAsJsonAsync("/api/alerts", new { })).Content.ReadFromJsonAsync<JsonElement>();
        var id = raised.GetProperty("id").GetString();

        using var changed = await coordinator.PostAsJsonAsync($"/api/alerts/{id}/kind", new { kind = "weapon" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var alert = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("weapon", alert.GetProperty("kind").GetString());
        Assert.Contains(alert.GetProperty("updates").EnumerateArray(), u => u.GetProperty("text").GetString() == "Soort situatie gewijzigd: dreigende situatie → wapen gezien.");
        Assert.True(alert.GetProperty("version").GetInt64() > raised.GetProperty("version").GetInt64());
        await police.WaitForAsync(HubNames.AlertUpdated, a => a.Id.ToString() == id && a.Kind == AlertKind.Weapon);

        var sms = await twilio.WaitForMessagesAsync(4, TimeSpan.FromSeconds(15));
        Assert.All(sms, m => Assert.StartsWith("AlertHub: wapen gezien bij Demo College Zaandam", m.Body));
    }

    [Fact]
    public async Task OnlyCoordinatorsAndTheTeamLead_ChangeAnOpenAlertsKind_WithDutchErrors()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var id = (await (await coordinator.PostAsJsonAsync("/api/alerts", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var partner = await host.ApiAsync(TestHost.Police);
        Assert.Equal(HttpStatusCode.Forbidden, (await partner.PostAsJsonAsync($"/api/alerts/{id}/kind", new { kind = "fight" })).StatusCode);

        using var missing = await coordinator.PostAsJsonAsync($"/api/alerts/{id}/kind", new { });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("Kies dreigende situatie", await missing.Content.ReadAsStringAsync());

        using var teamLead = await host.ApiAsync(TestHost.TeamLead);
        Assert.Equal(HttpStatusCode.OK, (await teamLead.PostAsJsonAsync($"/api/alerts/{id}/kind", new { kind = "fight" })).StatusCode);
        (await coordinator.PostAsync($"/api/alerts/{id}/cancel", null)).EnsureSuccessStatusCode();
        using var closed = await coordinator.PostAsJsonAsync($"/api/alerts/{id}/kind", new { kind = "other" });
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Contains("al afgesloten", await closed.Content.ReadAsStringAsync());
    }
}
