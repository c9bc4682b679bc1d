using System.Net;
using System.Net.Http.Json;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Tests.Readiness;

/// <summary>
/// Issue 17: at the hotline's opening, in each region's own time zone, every on-call partner's devices get a silent
/// check — once per region and day, however many nodes run — and whoever did not answer within the window is
/// listed for the team lead and texted once.
/// </summary>
[Trait("Category", "Clock")]
public sealed class OpeningCheckTests
{
    [Fact]
    public async Task FiresOncePerRegion_AtLocal0700_AcrossADstSwitch_OnTwoNodes_AndListsWhoIsUnreachable()
    {
        // The first night after the test day on which Amsterdam changes between winter and summer time.
        var day = Enumerable.Range(0, 400).First(d => TestClock.At(d, 12).Offset != TestClock.At(d + 1, 12).Offset);
        var time = TestClock.Fake(TestClock.At(day, 6, 50));
        await using var push = await FakePushService.StartAsync();
        await using var twilio = await FakeTwilio.StartAsync();
        var settings = twilio.HubSettings();
        foreach (var (key, value) in push.HubSettings())
        {
            settings[key] = value;
        }
        settings["Readiness:Enabled"] = "true";
        await using var a = await TestHost.StartAsync(time: time, settings: settings);
        await using var b = await TestHost.StartAsync(dataDirectory: a.DataDirectory, time: time, settings: settings);
        // Haaglanden keeps London time here: its 07:00 is Amsterdam's 08:00.
        await a.WithDbAsync(db => db.Regions.Where(r => r.Id == "haaglanden").ExecuteUpdateAsync(s => s.SetProperty(r => r.TimeZone, "Europe/London")));
        // The police officer has a phone with Web Push on; the youth worker's device answers; enforcement has no device.
        var phone = push.NewSubscription();
        using (var subscribed = await (await a.ApiAsync(TestHost.Police)).PostAsJsonAsync("/api/push/subscriptions", phone.ToJson()))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }

        // 06:59: nothing yet.
        await time.AdvanceAsync(TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(1));
        await Task.Delay(300);
        Assert.Equal(0, await a.WithDbAsync(db => db.ReadinessChecks.CountAsync()));

        // 07:00 Amsterdam: Zaanstreek's check starts, Haaglanden's (07:00 London) does not.
        await time.AdvanceAsync(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var first = await Eventually.HoldsAsync(() => a.WithDbAsync(db => db.ReadinessChecks.Include(c => c.Targets).Where(c => c.RegionId == "zaanstreek").ToListAsync()),
            checks => checks.Count == 1, what: "Zaanstreek's opening check");
        var check = first.Single();
        Assert.Equal(new TimeOnly(7, 0), TimeOnly.FromDateTime(TestClock.Local(check.StartedAt)).Truncate());
        Assert.Equal(check.StartedAt + TimeSpan.FromMinutes(10), check.AnswerBy);
        Assert.Equal(["BOA Visser (demo)", "Jongerenwerker Bakker (demo)", "Wijkagent Jansen (demo)"], check.Targets.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(0, await a.WithDbAsync(db => db.ReadinessChecks.CountAsync(c => c.RegionId == "haaglanden")));

        // The silent push reaches the police phone: a check, no alert, nothing about anyone.
        var pushed = (await push.WaitForPushesAsync(1)).Single();
        Assert.Equal("check", pushed.Payload.GetProperty("type").GetString());
        Assert.Equal(check.Id, pushed.Payload.GetProperty("checkId").GetGuid());
        Assert.False(pushed.Payload.TryGetProperty("schoolName", out _));
        // The youth worker's device answers as the service worker does; the police phone stays silent.
        using (var answered = await (await b.ApiAsync(TestHost.YouthWork)).PostAsJsonAsync($"/api/readiness/checks/{check.Id}/answer", new { via = "webpush" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
        }

        // 07:10: the window ends; police (no answer) and enforcement (no device) are unreachable, each texted once.
        await time.AdvanceAsync(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => a.WithDbAsync(db => db.ReadinessChecks.AnyAsync(c => c.Id == check.Id && c.ConcludedAt != null)), done => done, what: "the check concluded");
        var texts = await twilio.WaitForMessagesAsync(2);
        Assert.Equal(["+31600000001", "+31600000003"], texts.Select(m => m.To).Order(StringComparer.Ordinal));
        Assert.All(texts, m => Assert.StartsWith("AlertHub: de controle van 07:00 bereikte je app niet.", m.Body));

        var teamLead = await b.ApiAsync(TestHost.TeamLead);
        var coverage = (await teamLead.GetFromJsonAsync<CoverageDto>("/api/coverage", AlertHubJson.Options))!;
        var listed = coverage.LastCheck!.Targets;
        Assert.True(listed.Single(t => t.Name == "Jongerenwerker Bakker (demo)").Reachable);
        var police = listed.Single(t => t.Name == "Wijkagent Jansen (demo)");
        Assert.Equal((false, "geen apparaat antwoordde", true, 1), (police.Reachable, police.Reason, police.SmsSent, police.Devices));
        Assert.Equal("geen apparaat met meldingen aan", listed.Single(t => t.Name == "BOA Visser (demo)").Reason);
        Assert.Equal("Geen politie bereikbaar — bel Reserve politie Mulder (demo) (+31600000004).",
            coverage.Now.Single(d => d.Discipline == Discipline.Police).Notice);
        Assert.False(coverage.Now.Single(d => d.Discipline == Discipline.YouthWork).Gap);

        // 08:00 Amsterdam is 07:00 in London: Haaglanden's own check.
        await time.AdvanceAsync(TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(1));
        var haaglanden = await Eventually.HoldsAsync(() => a.WithDbAsync(db => db.ReadinessChecks.Where(c => c.RegionId == "haaglanden").ToListAsync()),
            checks => checks.Count == 1, what: "Haaglanden's check at 07:00 London time");
        Assert.Equal(new TimeOnly(8, 0), TimeOnly.FromDateTime(TestClock.Local(haaglanden.Single().StartedAt)).Truncate());

        // The next morning, across the switch: 07:00 local again, an hour apart in UTC, and again only one check.
        await time.AdvanceToAsync(TestClock.At(day + 1, 7) + TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var second = await Eventually.HoldsAsync(() => a.WithDbAsync(db => db.ReadinessChecks.Where(c => c.RegionId == "zaanstreek").OrderBy(c => c.StartedAt).ToListAsync()),
            checks => checks.Count == 2, what: "the next day's check");
        Assert.Equal(new TimeOnly(7, 0), TimeOnly.FromDateTime(TestClock.Local(second[1].StartedAt)).Truncate());
        Assert.Equal(1, Math.Abs((second[1].StartedAt - second[0].StartedAt - TimeSpan.FromDays(1)).TotalHours), 3);
        // Both nodes polled through all of it: still one check per region and day, one SMS per unreachable partner and check.
        await time.AdvanceAsync(TimeSpan.FromMinutes(11), TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => a.WithDbAsync(db => db.ReadinessChecks.CountAsync(c => c.ConcludedAt != null && c.RegionId == "zaanstreek")),
            n => n == 2, what: "the second check concluded");
        await Task.Delay(500);
        Assert.Equal(2, await a.WithDbAsync(db => db.ReadinessChecks.CountAsync(c => c.RegionId == "zaanstreek")));
        // Day two nobody answered (the youth worker has no device that answers by itself): three more SMS, none twice.
        int Texted() => twilio.Messages.Count(m => m.Body.Contains("controle", StringComparison.Ordinal) && m.To != "+31600000021");
        await Eventually.TrueAsync(() => Texted() >= 5, "the second day's SMS");
        await Task.Delay(500);
        Assert.Equal(5, Texted());
        Assert.Equal(1, twilio.Messages.Count(m => m.To == "+31600000002"));
        Assert.Equal(2, push.Pushes.Count(p => p.Payload.GetProperty("type").GetString() == "check"));
    }

    [Fact]
    public async Task ALiveAppAnswersByItself_AnAppOpenedAfterTheSmsCounts_AndARaiseWithAGapTellsCoordinatorAndTeamLead()
    {
        var day = 1;
        var time = TestClock.Fake(TestClock.At(day, 6, 59));
        await using var twilio = await FakeTwilio.StartAsync();
        var settings = twilio.HubSettings();
        settings["Readiness:Enabled"] = "true";
        await using var host = await TestHost.StartAsync(time: time, settings: settings);
        var police = await host.ListenAsync(TestHost.Police);
        var youthWork = await host.ListenAsync(TestHost.YouthWork);
        // Enforcement is on the main roster only until 12:00 tomorrow: a gap in tomorrow's roster.
        var until = TestClock.At(day + 1, 12);
        await host.WithDbAsync(db => db.RosterEntries.Where(r => !r.IsBackup && db.People.Any(p => p.Id == r.PersonId && p.Email == TestHost.Enforcement))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Until, until)));

        await time.AdvanceAsync(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        // The apps that are open answer the hub's check themselves.
        var ping = await Eventually.HoldsAsync(() => Task.FromResult(police.Checks), c => c.Count == 1, what: "the hub's check");
        await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.ReadinessTargets.Where(t => t.CheckId == ping[0].CheckId && t.AnsweredVia == "app").CountAsync()),
            n => n == 2, what: "two live apps answered");
        await time.AdvanceAsync(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.ReadinessChecks.AnyAsync(c => c.ConcludedAt != null)), done => done, what: "concluded");
        // Haaglanden's own check texts its officer; here only the BOA, who has no device.
        Assert.Equal("+31600000003", Assert.Single(await twilio.WaitForMessagesAsync(2), m => m.To != "+31600000021").To);

        // A coordinator raising now is told at once that enforcement is unreachable, and whom to call; so is the team lead.
        var teamLead = await host.ListenAsync(TestHost.TeamLead);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        Assert.Equal("Geen handhaving bereikbaar — bel Reserve handhaving Peters (demo) (+31600000006).", alert.CoverageNotice);
        Assert.Equal(alert.CoverageNotice, (await teamLead.WaitForAsync(HubNames.AlertRaised, x => x.Id == alert.Id)).CoverageNotice);

        // The coverage screen: enforcement a gap now, tomorrow from 12:00 to closing; police and youth work fine.
        var api = await host.ApiAsync(TestHost.TeamLead);
        var coverage = (await api.GetFromJsonAsync<CoverageDto>("/api/coverage", AlertHubJson.Options))!;
        Assert.Equal([Discipline.Enforcement], coverage.Now.Where(d => d.Gap).Select(d => d.Discipline));
        Assert.Empty(coverage.Today);
        var gap = Assert.Single(coverage.Tomorrow);
        Assert.Equal((Discipline.Enforcement, until, TestClock.At(day + 1, 19)), (gap.Discipline, gap.From, gap.Until));
        Assert.EndsWith("van 12:00 tot 19:00.", gap.Text);
        Assert.StartsWith("Geen handhaving ingeroosterd op ", gap.Text);

        // The SMS worked: the BOA opens the app (connects) and is reachable again; the gap is gone.
        await using var enforcement = await host.ListenAsync(TestHost.Enforcement);
        await Eventually.HoldsAsync(async () => (await api.GetFromJsonAsync<CoverageDto>("/api/coverage", AlertHubJson.Options))!,
            c => c.Now.All(d => !d.Gap) && c.LastCheck!.Targets.All(t => t.Reachable == true), what: "enforcement reachable after opening the app");

        // Partners do not see the coverage screen; coordinators do.
        using var refused = await (await host.ApiAsync(TestHost.Police)).GetAsync("/api/coverage");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("regievoerder", await refused.Content.ReadAsStringAsync());
    }
}

internal static class TimeOnlyExtensions
{
    /// <summary>To the minute: the poll may run a second after the opening.</summary>
    public static TimeOnly Truncate(this TimeOnly time) => new(time.Hour, time.Minute);
}
