using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Alerts;

/// <summary>Issue 17: one current instruction per alert, versioned; a second setter sees the first and must confirm.</summary>
public sealed class InstructionTests
{
    [Fact]
    public async Task Instruction_ReachesEveryRecipient_ReplacesThePrevious_AndASecondSetterMustConfirm()
    {
        await using var host = await TestHost.StartAsync(time: TestClock.Fake());
        var police = await host.ListenAsync(TestHost.Police);
        var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var teamLead = await host.ApiAsync(TestHost.TeamLead);
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();

        var first = await SetAsync(coordinator, alert.Id, "Blijf binnen", 0);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var set = first.Alert!.Instruction!;
        Assert.Equal(("Blijf binnen", 1), (set.Text, set.Version));
        Assert.Equal("Sanne de Vries (demo)", set.SetBy);
        // Pushed to the recipients with the alert.
        var pushed = await police.WaitForAsync(HubNames.AlertUpdated, a => a.Instruction?.Version == 1);
        Assert.Equal("Blijf binnen", pushed.Instruction!.Text);

        // The team lead saw no instruction (replaces 0): refused, and told which one stands and who set it.
        var conflict = await SetAsync(teamLead, alert.Id, "Groep richting station Krommenie-Assendelft", 0);
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Contains("Blijf binnen", conflict.Problem.GetProperty("detail").GetString());
        var current = conflict.Problem.GetProperty("current");
        Assert.Equal("Blijf binnen", current.GetProperty("text").GetString());
        Assert.Equal(1, current.GetProperty("version").GetInt32());

        // Confirmed with the version seen: replaced; the history keeps both with who and when.
        var second = await SetAsync(teamLead, alert.Id, "Groep richting station Krommenie-Assendelft", 1);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(2, second.Alert!.Instruction!.Version);
        await police.WaitForAsync(HubNames.AlertUpdated, a => a.Instruction?.Version == 2);
        var history = await host.WithDbAsync(db => db.AlertInstructions.Where(i => i.AlertId == alert.Id).OrderBy(i => i.Version)
            .Select(i => new { i.Version, i.Text, i.ByName }).ToListAsync());
        Assert.Equal([1, 2], history.Select(h => h.Version));
        Assert.NotEqual(history[0].ByName, history[1].ByName);
        var partnerView = await (await host.LoginAsync(TestHost.Police)).GetAlertAsync(alert.Id);
        Assert.Equal("Groep richting station Krommenie-Assendelft", partnerView.Instruction!.Text);

        // A partner gives no instruction; empty and too long are refused in Dutch.
        var partner = await SetAsync(await host.ApiAsync(TestHost.Police), alert.Id, "Kom allemaal", 2);
        Assert.Equal(HttpStatusCode.Forbidden, partner.Status);
        var empty = await SetAsync(coordinator, alert.Id, " ", 2);
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.Contains("Schrijf de instructie", empty.Problem.GetRawText());
        var tooLong = await SetAsync(coordinator, alert.Id, new string('x', 201), 2);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
    }

    [Fact]
    public async Task TwoSettersAtOnce_OneWins_TheOtherGets409_NothingIsOverwrittenUnknowingly()
    {
        await using var host = await TestHost.StartAsync(time: TestClock.Fake());
        var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var teamLead = await host.ApiAsync(TestHost.TeamLead);
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();

        for (var round = 0; round < 5; round++)
        {
            var seen = (await (await host.LoginAsync(TestHost.Coordinator)).GetAlertAsync(alert.Id)).Instruction?.Version ?? 0;
            var answers = await Task.WhenAll(
                SetAsync(coordinator, alert.Id, $"Blijf binnen ({round})", seen),
                SetAsync(teamLead, alert.Id, $"Deuren dicht ({round})", seen));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.Status).Order());
            var winner = answers.Single(a => a.Status == HttpStatusCode.OK).Alert!.Instruction!;
            Assert.Equal(seen + 1, winner.Version);
            var loser = answers.Single(a => a.Status == HttpStatusCode.Conflict);
            Assert.Equal(winner.Text, loser.Problem.GetProperty("current").GetProperty("text").GetString());
        }
        Assert.Equal(5, await host.WithDbAsync(db => db.AlertInstructions.CountAsync(i => i.AlertId == alert.Id)));
    }

    [Fact]
    public async Task ANewInstruction_RingsEveryRecipientsPhoneAgain_ByWebPush_WithoutItsWords()
    {
        await using var push = await FakePushService.StartAsync();
        await using var host = await TestHost.StartAsync(time: TestClock.Fake(), settings: push.HubSettings());
        var phone = push.NewSubscription();
        using (var subscribed = await (await host.ApiAsync(TestHost.Police)).PostAsJsonAsync("/api/push/subscriptions", phone.ToJson()))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        Assert.False((await push.WaitForPushesAsync(1))[0].Payload.TryGetProperty("instruction", out _));

        Assert.Equal(HttpStatusCode.OK, (await SetAsync(await host.ApiAsync(TestHost.Coordinator), alert.Id, "Blijf binnen", 0)).Status);
        var pushes = await push.WaitForPushesAsync(2);
        var second = pushes[1];
        Assert.Equal(1, second.Payload.GetProperty("instruction").GetInt32());
        Assert.True(second.Payload.GetProperty("renotify").GetBoolean());
        Assert.Equal(alert.Id, second.Payload.GetProperty("alertId").GetGuid());
        Assert.DoesNotContain("Blijf binnen", second.Json, StringComparison.Ordinal); // a lock screen may show the push
        // The same words again change nothing and ring nobody.
        Assert.Equal(HttpStatusCode.OK, (await SetAsync(await host.ApiAsync(TestHost.Coordinator), alert.Id, "Blijf binnen", 1)).Status);
        await Task.Delay(500);
        Assert.Equal(2, push.Pushes.Count);
    }

    private static async Task<(HttpStatusCode Status, AlertDto? Alert, JsonElement Problem)> SetAsync(HttpClient api, Guid alertId, string text, int replaces)
    {
        using var response = await api.PutAsJsonAsync($"/api/alerts/{alertId}/instruction", new { text, replaces });
        return response.IsSuccessStatusCode
            ? (response.StatusCode, await response.Content.ReadFromJsonAsync<AlertDto>(AlertHubJson.Options), default)
            : (response.StatusCode, null, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
