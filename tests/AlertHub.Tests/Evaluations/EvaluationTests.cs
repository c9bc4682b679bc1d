using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Tests.Delivery;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Tests.Evaluations;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class EvaluationTests
{
    private static FakeTimeProvider MondayMorning() => TestClock.Fake();

    [Fact]
    public async Task Raise_CreatesEvaluation_DueFortyEightHoursLater_ForTheTeamLead()
    {
        await using var host = await TestHost.StartAsync();
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        Assert.NotNull(alert.EvaluationId);

        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        var evaluation = await GetAsync(teamLead, alert.EvaluationId!.Value);
        Assert.Equal(alert.Id, evaluation.AlertId);
        Assert.Equal(alert.RaisedAt.AddHours(48), evaluation.DueAt);
        Assert.Equal(EvaluationStatus.Open, evaluation.Status);
        Assert.False(evaluation.Overdue);
        var open = await teamLead.Http.GetFromJsonAsync<List<EvaluationDto>>("/api/evaluations?status=open", AlertHubJson.Options);
        Assert.Equal([evaluation.Id], open!.Select(e => e.Id));
    }

    [Fact]
    public async Task DueAndReminders_FireOnTime_AndStopAfterClosing()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var time = MondayMorning();
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        var teamLead = await host.ListenAsync(TestHost.TeamLead);
        var coordinator = await host.ListenAsync(TestHost.Coordinator);
        var alert = await coordinator.Client.RaiseAsync();

        await time.AdvanceAsync(TimeSpan.FromHours(47.9), TimeSpan.FromMinutes(30));
        Assert.Empty(teamLead.EvaluationsDue);
        Assert.DoesNotContain(twilio.Messages, m => m.Body.Contains("evaluatie", StringComparison.Ordinal));

        await time.AdvanceAsync(TimeSpan.FromHours(0.2), TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => Task.FromResult(teamLead.EvaluationsDue.Count), n => n == 1, what: "EvaluationDue to the team lead");
        await Eventually.HoldsAsync(() => Task.FromResult(coordinator.EvaluationsDue.Count), n => n == 1, what: "EvaluationDue to the participant");
        Assert.True(teamLead.EvaluationsDue[0].Overdue);
        var dueSms = await Eventually.HoldsAsync(
            () => Task.FromResult(twilio.Messages.Where(m => m.Body.Contains("evaluatie", StringComparison.Ordinal)).ToList()),
            list => list.Count == 1, what: "due SMS");
        Assert.Equal("+31600000009", dueSms[0].To);

        await time.AdvanceAsync(TimeSpan.FromDays(1), TimeSpan.FromHours(1));
        await Eventually.HoldsAsync(() => Task.FromResult(teamLead.EvaluationsDue.Count), n => n == 2, what: "first reminder");

        // A day later: sign in again, as a user would.
        var signedIn = await host.LoginAsync(TestHost.TeamLead);
        await PutAsync(signedIn, alert.EvaluationId!.Value, Complete());
        using (var close = await signedIn.Http.PostAsync($"/api/evaluations/{alert.EvaluationId}/close", null))
        {
            Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        }
        await time.AdvanceAsync(TimeSpan.FromDays(3), TimeSpan.FromHours(2));
        await Task.Delay(300);
        Assert.Equal(2, teamLead.EvaluationsDue.Count);
        Assert.Single(twilio.Messages, m => m.Body.Contains("evaluatie", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DueOutsideHotlineHours_SmsWaitsForTheOpening_PushDoesNot()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        // 21:00 the evening before the test day: on a DST switch day the 48 hours cross the switch.
        var time = TestClock.Fake(TestClock.At(-1, 21));
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        var teamLead = await host.ListenAsync(TestHost.TeamLead);
        await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();

        await time.AdvanceAsync(TimeSpan.FromHours(48.1), TimeSpan.FromMinutes(30)); // 20:06–22:06 local, two days on: closed
        await Eventually.HoldsAsync(() => Task.FromResult(teamLead.EvaluationsDue.Count), n => n == 1, what: "push at due time");
        Assert.DoesNotContain(twilio.Messages, m => m.Body.Contains("evaluatie", StringComparison.Ordinal));

        await time.AdvanceToAsync(TestClock.At(2, 7, 6), TimeSpan.FromMinutes(30)); // just after the next opening
        var sms = await Eventually.HoldsAsync(
            () => Task.FromResult(twilio.Messages.Where(m => m.Body.Contains("evaluatie", StringComparison.Ordinal)).ToList()),
            list => list.Count == 1, what: "SMS at the next opening");
        Assert.Equal("+31600000009", sms[0].To);
        Assert.Single(teamLead.EvaluationsDue);
    }

    [Fact]
    public async Task HostStoppedBeforeDue_FiresExactlyOnceAfterRestart()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var directory = Directory.CreateTempSubdirectory("alerthub-eval-restart-").FullName;
        var start = TestClock.Start;
        try
        {
            await using (var first = await TestHost.StartAsync(directory, new FakeTimeProvider(start), twilio.HubSettings()))
            {
                await (await first.LoginAsync(TestHost.Coordinator)).RaiseAsync();
            }
            await using (var second = await TestHost.StartAsync(directory, new FakeTimeProvider(start.AddHours(49)), twilio.HubSettings()))
            {
                await Eventually.HoldsAsync(() => Task.FromResult(twilio.Messages.Count(m => m.Body.Contains("evaluatie", StringComparison.Ordinal))),
                    n => n == 1, what: "due SMS after restart");
            }
            await using (var third = await TestHost.StartAsync(directory, new FakeTimeProvider(start.AddHours(49.5)), twilio.HubSettings()))
            {
                await Task.Delay(1500);
                Assert.Equal(1, await third.WithDbAsync(db => db.Evaluations.Select(e => e.RemindersSent).SingleAsync()) + 1);
            }
            Assert.Single(twilio.Messages, m => m.Body.Contains("evaluatie", StringComparison.Ordinal));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TwoHostsOnOneDatabase_FireTheDueTimerExactlyOnce()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var directory = Directory.CreateTempSubdirectory("alerthub-eval-two-").FullName;
        try
        {
            var settings = SmsFallbackTests.With(twilio.HubSettings(), ("Evaluations:DueAfter", "00:00:02"),
                ("Evaluations:RemindEvery", "1.00:00:00"), ("Scheduling:PollInterval", "00:00:00.100"), ("Hotline:Opens", "00:00"),
                ("Hotline:Closes", "23:59"), ("Alerts:SmsFallbackAfter", "00:10:00"));
            await using var a = await TestHost.StartAsync(directory, settings: settings);
            await using var b = await TestHost.StartAsync(directory, settings: settings);
            var onA = await a.ListenAsync(TestHost.TeamLead);
            var onB = await b.ListenAsync(TestHost.TeamLead);
            var coordinator = await a.LoginAsync(TestHost.Coordinator);
            for (var i = 0; i < 3; i++)
            {
                await coordinator.RaiseAsync(idempotencyKey: $"e{i}");
            }
            await Eventually.HoldsAsync(() => Task.FromResult(onA.EvaluationsDue.Count + onB.EvaluationsDue.Count), n => n >= 3,
                TimeSpan.FromSeconds(15), "three EvaluationDue pushes");
            await Task.Delay(1500);
            // Without a backplane each node pushes to its own connections: one push per evaluation in total means one node ran it.
            Assert.Equal(3, onA.EvaluationsDue.Count + onB.EvaluationsDue.Count);
            Assert.Equal(3, twilio.Messages.Count(m => m.Body.Contains("evaluatie", StringComparison.Ordinal)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Close_Incomplete_Is422NamingWhatIsMissing_Complete_Closes_ThenPutIs409()
    {
        await using var host = await TestHost.StartAsync();
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        var id = alert.EvaluationId!.Value;

        await PutAsync(teamLead, id, new UpdateEvaluationRequest(WentWell: "Snel ter plaatse",
            ActionItems: [new ActionItemDto(null, "Camerabeelden opvragen", null, null, false)]));
        using (var incomplete = await teamLead.Http.PostAsync($"/api/evaluations/{id}/close", null))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, incomplete.StatusCode);
            var errors = (await incomplete.ProblemAsync()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("wentWrong", out _));
            Assert.True(errors.TryGetProperty("cooperation", out _));
            Assert.True(errors.TryGetProperty("actionItems[0].owner", out _));
            Assert.True(errors.TryGetProperty("actionItems[0].dueDate", out _));
            Assert.False(errors.TryGetProperty("wentWell", out _));
        }

        await PutAsync(teamLead, id, Complete());
        using (var close = await teamLead.Http.PostAsync($"/api/evaluations/{id}/close", null))
        {
            var closed = await close.Content.ReadFromJsonAsync<EvaluationDto>(AlertHubJson.Options);
            Assert.Equal(EvaluationStatus.Closed, closed!.Status);
            Assert.NotNull(closed.ClosedAt);
            Assert.Equal("Regievoerder Hendriks (demo)", closed.ClosedBy);
        }
        using var put = await teamLead.Http.PutAsJsonAsync($"/api/evaluations/{id}", new UpdateEvaluationRequest(WentWell: "anders"), AlertHubJson.Options);
        Assert.Equal(HttpStatusCode.Conflict, put.StatusCode);
        Assert.Equal("Snel ter plaatse, goede afstemming", (await GetAsync(teamLead, id)).WentWell);
    }

    [Fact]
    public async Task Put_TakesTheEvaluationAsGetReturnedIt_RefusesChangedReadOnlyFieldsByName()
    {
        await using var host = await TestHost.StartAsync();
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        var id = alert.EvaluationId!.Value;
        await PutAsync(teamLead, id, new UpdateEvaluationRequest(WentWell: "Snel ter plaatse",
            ActionItems: [new ActionItemDto(null, "Camerabeelden opvragen", null, null, false)]));

        // Read, edit one answer, write the whole document back: what a generated client does.
        using var read = await teamLead.Http.GetAsync($"/api/evaluations/{id}");
        var document = System.Text.Json.Nodes.JsonNode.Parse(await read.Content.ReadAsStringAsync())!.AsObject();
        document["cooperation"] = "Korte lijnen met de wijkagent";
        using (var put = await teamLead.Http.PutAsync($"/api/evaluations/{id}", Json(document)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        var stored = await GetAsync(teamLead, id);
        Assert.Equal("Korte lijnen met de wijkagent", stored.Cooperation);
        Assert.Equal("Snel ter plaatse", stored.WentWell);
        Assert.Equal("Camerabeelden opvragen", Assert.Single(stored.ActionItems).Description);

        foreach (var (field, value) in new (string, System.Text.Json.Nodes.JsonNode)[]
        {
            ("status", "closed"), ("regionId", "elders"), ("id", Guid.NewGuid().ToString()), ("dueAt", "2020-01-01T00:00:00Z"),
        })
        {
            var changed = System.Text.Json.Nodes.JsonNode.Parse(document.ToJsonString())!.AsObject();
            changed[field] = value;
            using var refused = await teamLead.Http.PutAsync($"/api/evaluations/{id}", Json(changed));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await refused.ProblemAsync()).GetProperty("errors");
            Assert.Contains("kan niet worden gewijzigd", errors.GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        }
        var unknown = System.Text.Json.Nodes.JsonNode.Parse(document.ToJsonString())!.AsObject();
        unknown["priority"] = "hoog";
        using (var refused = await teamLead.Http.PutAsync($"/api/evaluations/{id}", Json(unknown)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await refused.ProblemAsync()).GetProperty("errors").TryGetProperty("priority", out _));
        }
        Assert.Equal(EvaluationStatus.Open, (await GetAsync(teamLead, id)).Status);

        static StringContent Json(System.Text.Json.Nodes.JsonObject body) =>
            new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
    }

    [Fact]
    public async Task OnlyTeamLeadAndParticipants_ReadOrWrite_OnlyTeamLeadCloses()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var police = await host.LoginAsync(TestHost.Police);
        await police.AcknowledgeAsync(alert.Id, AckResponse.OnMyWay);
        var id = alert.EvaluationId!.Value;

        // Participants: the coordinator who raised it and the partner who answered.
        await PutAsync(police, id, new UpdateEvaluationRequest(Cooperation: "Goede lijnen met school"));
        await PutAsync(coordinator, id, new UpdateEvaluationRequest(WentWrong: "Bellijst was verouderd"));
        var evaluation = await GetAsync(coordinator, id);
        Assert.Contains(evaluation.Inputs, i => i.Field == "cooperation" && i.By == "Wijkagent Jansen (demo)");
        Assert.Contains(evaluation.Inputs, i => i.Field == "wentWrong" && i.By == "Sanne de Vries (demo)");

        foreach (var outsider in new[] { TestHost.Enforcement, TestHost.Coordinator2, TestHost.HaaglandenCoordinator, TestHost.Admin })
        {
            var client = await host.LoginAsync(outsider);
            Assert.Equal(HttpStatusCode.NotFound, (await client.Http.GetAsync($"/api/evaluations/{id}")).StatusCode);
            using var put = await client.Http.PutAsJsonAsync($"/api/evaluations/{id}", new UpdateEvaluationRequest(WentWell: "x"), AlertHubJson.Options);
            Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        }
        await PutAsync(police, id, Complete());
        Assert.Equal(HttpStatusCode.Forbidden, (await police.Http.PostAsync($"/api/evaluations/{id}/close", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.Http.PostAsync($"/api/evaluations/{id}/close", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateHttp().GetAsync($"/api/evaluations/{id}")).StatusCode);
        Assert.Equal(EvaluationStatus.Open, (await GetAsync(coordinator, id)).Status);
    }

    [Fact]
    public async Task Export_ContainsAnswersAndActionItems_AndNoNoteOrNames_UnlessTheTeamLeadIncludesNotes()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "Pietje Puk dreigde met een mes"));
        await coordinator.PostUpdateAsync(alert.Id, "Klaas Vaak is opgehaald door zijn ouders");
        var police = await host.LoginAsync(TestHost.Police);
        await police.AcknowledgeAsync(alert.Id, AckResponse.OnScene);
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        await PutAsync(teamLead, alert.EvaluationId!.Value, Complete());

        foreach (var format in new[] { "md", "html" })
        {
            using var response = await teamLead.Http.GetAsync($"/api/evaluations/{alert.EvaluationId}/export?format={format}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("Snel ter plaatse, goede afstemming", text);
            Assert.Contains("Bellijst bijwerken", text);
            Assert.Contains("Gemeente Zaanstad", text);
            Assert.Contains("ter plaatse", text);
            Assert.Contains("Demo College Zaandam", text);
            Assert.DoesNotContain("Pietje", text);
            Assert.DoesNotContain("Klaas", text);
            Assert.DoesNotContain("Jansen", text);
            Assert.DoesNotContain("Sanne", text);
        }
        var html = await teamLead.Http.GetStringAsync($"/api/evaluations/{alert.EvaluationId}/export?format=html");
        Assert.StartsWith("<!DOCTYPE html>", html);

        var withNotes = await teamLead.Http.GetStringAsync($"/api/evaluations/{alert.EvaluationId}/export?format=md&includeNotes=true");
        Assert.Contains("Pietje Puk", withNotes);
        var participantTries = await coordinator.Http.GetStringAsync($"/api/evaluations/{alert.EvaluationId}/export?format=md&includeNotes=true");
        Assert.DoesNotContain("Pietje", participantTries);

        var period = await teamLead.Http.GetStringAsync("/api/evaluations/export?format=md");
        Assert.Contains("Bellijst bijwerken", period);
        Assert.DoesNotContain("Pietje", period);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.Http.GetAsync("/api/evaluations/export?format=md")).StatusCode);
    }

    [Fact]
    public async Task CancelledAlert_CancelsItsEvaluation()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        await coordinator.CancelAsync(alert.Id);
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        Assert.Equal(EvaluationStatus.Cancelled, (await GetAsync(teamLead, alert.EvaluationId!.Value)).Status);
        Assert.Empty((await teamLead.Http.GetFromJsonAsync<List<EvaluationDto>>("/api/evaluations?status=open", AlertHubJson.Options))!);
    }

    [Fact]
    public async Task OpenActionItems_AcrossEvaluations_OverdueFirst()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var first = await coordinator.RaiseAsync(idempotencyKey: "1");
        var second = await coordinator.RaiseAsync(idempotencyKey: "2");
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        var today = DateOnly.FromDateTime(TestClock.Local(host.Now));
        await PutAsync(teamLead, first.EvaluationId!.Value, new UpdateEvaluationRequest(ActionItems:
        [
            new ActionItemDto(null, "Later", "Gemeente", today.AddDays(30), false),
            new ActionItemDto(null, "Afgerond", "School", today.AddDays(-3), true),
        ]));
        await PutAsync(teamLead, second.EvaluationId!.Value, new UpdateEvaluationRequest(ActionItems:
        [
            new ActionItemDto(null, "Te laat", "Politie", today.AddDays(-1), false),
        ]));
        var items = await teamLead.Http.GetFromJsonAsync<List<OpenActionItemDto>>("/api/evaluations/action-items", AlertHubJson.Options);
        Assert.Equal(["Te laat", "Later"], items!.Select(i => i.Description));
        Assert.True(items![0].Overdue);
        Assert.Equal("Politie", items![0].Owner);
    }

    [Theory]
    [InlineData("""{"actionItems":[{"description":""}]}""", "actionItems[0].Description")]
    [InlineData("""{"wentWell":12}""", "wentWell")]
    [InlineData("""{"actionItems":[{"description":"x","dueDate":"morgen"}]}""", "actionItems[0].dueDate")]
    public async Task BadEvaluationInput_Gets400_AndChangesNothing(string json, string field)
    {
        await using var host = await TestHost.StartAsync();
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        using var response = await teamLead.Http.PutAsync($"/api/evaluations/{alert.EvaluationId}",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.True(errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase)), errors.ToString());
        Assert.Equal(0, await host.WithDbAsync(db => db.EvaluationInputs.CountAsync()));
    }

    private static UpdateEvaluationRequest Complete() => new(
        WentWell: "Snel ter plaatse, goede afstemming",
        WentWrong: "Bellijst was verouderd",
        Cooperation: "Politie en jongerenwerk werkten goed samen",
        ActionItems: [new ActionItemDto(null, "Bellijst bijwerken", "Gemeente Zaanstad", DateOnly.FromDateTime(TestClock.Local(TestClock.Start)).AddDays(7), false)]);

    private static async Task<EvaluationDto> GetAsync(AlertHubClient client, Guid id) =>
        (await client.Http.GetFromJsonAsync<EvaluationDto>($"/api/evaluations/{id}", AlertHubJson.Options))!;

    private static async Task PutAsync(AlertHubClient client, Guid id, UpdateEvaluationRequest request)
    {
        using var response = await client.Http.PutAsJsonAsync($"/api/evaluations/{id}", request, AlertHubJson.Options);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
