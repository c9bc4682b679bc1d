using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Alerts;

/// <summary>
/// Issue 17 / CONTRACT v2 Drills: a drill runs through routing, the hub, Web Push and SMS like a real alert with
/// every text starting OEFENING, creates no evaluation, stays out of the dashboard and ends in its own report.
/// </summary>
// Clock: the SMS fallback runs in hotline hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class DrillTests
{
    [Fact]
    public async Task Drill_RunsThroughHubWebPushAndSms_WithOefening_NoEvaluation_NotInTheDashboard_AndReports()
    {
        await using var push = await FakePushService.StartAsync();
        await using var twilio = await FakeTwilio.StartAsync();
        var time = TestClock.Fake();
        var settings = twilio.HubSettings();
        foreach (var (key, value) in push.HubSettings())
        {
            settings[key] = value;
        }
        await using var host = await TestHost.StartAsync(time: time, settings: settings);
        var policeApi = await host.ApiAsync(TestHost.Police);
        var browser = push.NewSubscription();
        using (var subscribed = await policeApi.PostAsJsonAsync("/api/push/subscriptions", browser.ToJson()))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }
        var police = await host.ListenAsync(TestHost.Police);
        police.ConfirmReceipts = true;
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var youthWork = await host.LoginAsync(TestHost.YouthWork);
        var teamLead = await host.LoginAsync(TestHost.TeamLead);

        var drill = await coordinator.RaiseAsync(new RaiseAlertRequest(Drill: true));
        Assert.True(drill.Drill);
        Assert.Null(drill.EvaluationId);

        // The hub and Web Push carry the drill flag (the app and the service worker say OEFENING).
        Assert.True((await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == drill.Id)).Drill);
        var pushed = await push.WaitForPushesAsync(1);
        Assert.True(pushed[0].Payload.GetProperty("drill").GetBoolean());
        Assert.Equal(drill.Id, pushed[0].Payload.GetProperty("alertId").GetGuid());

        time.Advance(TimeSpan.FromSeconds(5));
        await youthWork.AcknowledgeAsync(drill.Id, AckResponse.OnMyWay);

        // Who neither received nor answered gets the SMS fallback, starting with OEFENING.
        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(drill.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Received, what: "police received");
        await time.AdvanceAsync(TimeSpan.FromSeconds(31));
        var texts = await twilio.WaitForMessagesAsync(3);
        Assert.All(texts, m => Assert.StartsWith("OEFENING ", m.Body));
        Assert.All(texts, m => Assert.True(m.Body.Length <= 160, m.Body));
        Assert.DoesNotContain(texts, m => m.To is "+31600000001" or "+31600000002");

        // An answer by SMS to a drill is confirmed as a drill.
        var enforcementText = texts.Single(m => m.To == "+31600000003");
        using (var reply = await twilio.SendInboundAsync(host.BaseAddress, "+31600000003", "3"))
        {
            Assert.Contains("OEFENING", await reply.Content.ReadAsStringAsync());
        }

        // No evaluation for a drill.
        Assert.False(await host.WithDbAsync(db => db.Evaluations.AnyAsync(e => e.AlertId == drill.Id)));
        Assert.Null((await coordinator.GetAlertAsync(drill.Id)).EvaluationId);

        // The report: per recipient pushed, received, texted and answered; the slowest discipline; who was unreachable.
        var report = await Eventually.HoldsAsync(() => teamLead.GetDrillReportAsync(drill.Id),
            r => r.Recipients.Any(p => p.TextedAt is not null), what: "texts in the report");
        Assert.Equal(drill.Id, report.AlertId);
        Assert.Equal(drill.Recipients.Count, report.RecipientCount);
        var policeRow = report.Recipients.Single(r => r.Discipline == Discipline.Police);
        Assert.NotNull(policeRow.PushedAt);
        Assert.NotNull(policeRow.ReceivedAfterSeconds);
        Assert.True(policeRow.Reached);
        Assert.Null(policeRow.TextedAt);
        Assert.Null(policeRow.Response);
        var youthRow = report.Recipients.Single(r => r.Discipline == Discipline.YouthWork);
        Assert.Equal(AckResponse.OnMyWay, youthRow.Response);
        Assert.Equal(5, youthRow.AnsweredAfterSeconds!.Value, 1);
        var enforcementRow = report.Recipients.Single(r => r.Discipline == Discipline.Enforcement);
        Assert.NotNull(enforcementRow.TextedAt);
        Assert.Equal(AckResponse.OnScene, enforcementRow.Response);
        Assert.True(enforcementRow.AnsweredAfterSeconds >= 36);
        // The youth ambassador was neither reached nor answered: the slowest discipline (police received it, did not answer).
        Assert.Equal(Discipline.YouthAmbassador, report.SlowestDiscipline);
        Assert.Null(report.Disciplines.Single(d => d.Discipline == Discipline.Police).FirstAnswerSeconds);
        Assert.Equal(5, report.Disciplines.Single(d => d.Discipline == Discipline.YouthWork).FirstAnswerSeconds!.Value, 1);
        // Texted and not answered (Twilio has not reported delivery): not reached.
        var silent = report.Recipients.Where(r => r.TextedAt is not null && r.Response is null).Select(r => r.Name).Order().ToList();
        Assert.NotEmpty(silent);
        Assert.Equal(silent, report.Unreachable.Order().ToList());
        Assert.Equal(report.Recipients.Count(r => r.Response is not null), report.AnsweredCount);

        // A delivery report makes the recipient reached.
        var someone = texts.Single(m => m.To == "+31600000011"); // the school's second coordinator
        using (await twilio.SendStatusAsync(someone, "delivered")) { }
        await Eventually.HoldsAsync(() => teamLead.GetDrillReportAsync(drill.Id),
            r => r.Unreachable.Count == silent.Count - 1, what: "delivered SMS counts as reached");

        // Printable like the evaluation export.
        var api = await host.ApiAsync(TestHost.TeamLead);
        using var html = await api.GetAsync($"/api/alerts/{drill.Id}/report?format=html");
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        var page = await html.Content.ReadAsStringAsync();
        Assert.Contains("OEFENING", page);
        Assert.Contains("Traagste discipline: jeugdambassadeur (niemand reageerde)", page);
        Assert.Contains("Niet bereikt", page);
        using var bad = await api.GetAsync($"/api/alerts/{drill.Id}/report?format=pdf");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // Left out of the dashboard; a real alert afterwards is counted, and has no drill report.
        Assert.Equal(0, await AlertsInDashboardAsync(api));
        await coordinator.ResolveAsync(drill.Id, "Oefening klaar");
        var real = await coordinator.RaiseAsync();
        Assert.False(real.Drill);
        Assert.NotNull(real.EvaluationId);
        Assert.Equal(1, await AlertsInDashboardAsync(api));
        var refused = await Assert.ThrowsAsync<AlertHubException>(() => teamLead.GetDrillReportAsync(real.Id));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task TeamLead_StartsADrillForAnySchoolOfTheRegion_ButNoRealAlert_AndPartnersStartNone()
    {
        await using var host = await TestHost.StartAsync(time: TestClock.Fake());
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var otherSchool = (await (await host.LoginAsync(TestHost.Coordinator2)).RaiseAsync(new RaiseAlertRequest(Drill: true))).SchoolId;
        var teamLead = await host.LoginAsync(TestHost.TeamLead);

        var real = await Assert.ThrowsAsync<AlertHubException>(() => teamLead.RaiseAsync(new RaiseAlertRequest(SchoolId: otherSchool)));
        Assert.Equal(HttpStatusCode.Forbidden, real.StatusCode);
        Assert.Contains("oefening", real.Message);

        var drill = await teamLead.RaiseAsync(new RaiseAlertRequest(SchoolId: otherSchool, Drill: true));
        Assert.True(drill.Drill);
        Assert.Equal(otherSchool, drill.SchoolId);
        Assert.NotEmpty(drill.Recipients);
        Assert.Equal(drill.Id, (await coordinator.GetDrillReportAsync(drill.Id)).AlertId);

        var noSchool = await Assert.ThrowsAsync<AlertHubException>(() => teamLead.RaiseAsync(new RaiseAlertRequest(Drill: true)));
        Assert.Equal(HttpStatusCode.BadRequest, noSchool.StatusCode);
        var elsewhere = await Assert.ThrowsAsync<AlertHubException>(() => coordinator.RaiseAsync(new RaiseAlertRequest(SchoolId: otherSchool, Drill: true)));
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        var police = await host.LoginAsync(TestHost.Police);
        var partner = await Assert.ThrowsAsync<AlertHubException>(() => police.RaiseAsync(new RaiseAlertRequest(Drill: true)));
        Assert.Equal(HttpStatusCode.Forbidden, partner.StatusCode);
        // The report is for coordinators and the team lead, not for a partner who received the drill.
        var partnerReport = await Assert.ThrowsAsync<AlertHubException>(() => police.GetDrillReportAsync(drill.Id));
        Assert.Equal(HttpStatusCode.Forbidden, partnerReport.StatusCode);
    }

    private static async Task<int> AlertsInDashboardAsync(HttpClient api)
    {
        var dashboard = await api.GetFromJsonAsync<JsonElement>("/api/dashboard");
        return dashboard.GetProperty("alertsPerSchool").EnumerateArray()
            .Sum(s => s.GetProperty("counts").EnumerateArray().Sum(c => c.GetInt32()));
    }
}
