using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Testing;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

namespace AlertHub.WebTests;

/// <summary>
/// Issue 17 in the browser: the service worker answers the silent opening check by itself and shows nothing; the
/// team lead's coverage screen lists who could not be reached and whom to call; a coordinator raising with a gap
/// sees it at once.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CoverageBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task TheServiceWorkerAnswersTheCheck_TheTeamLeadSeesWhoIsUnreachable_AndTheCoordinatorIsToldAtTheTap()
    {
        // A running clock 30 s before 07:00 on a weekday; the window is 20 s, so the check is over within a minute.
        var settings = new Dictionary<string, string?>(TestHost.QuietTimers())
        {
            ["Readiness:Enabled"] = "true",
            ["Readiness:CheckWindow"] = "00:00:20",
        };
        await using var host = await TestHost.StartAsync(time: TestClock.Running(TestClock.At(1, 6, 59) + TimeSpan.FromSeconds(30)), settings: settings);
        var police = await browser.NewPhoneAsync(host);
        await police.Context.GrantPermissionsAsync(["notifications"]);
        await police.SignInAsync(TestHost.Police);
        await police.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null");
        // Away from the inbox: no live connection answers, only the service worker can.
        await police.GotoAsync("/#/apparaten");
        var (cdp, registrationId) = await police.ServiceWorkerAsync();

        // 07:00: the check starts; the push service would bring this payload to the phone.
        var teamLeadApi = await host.ApiAsync(TestHost.TeamLead);
        var running = await Eventually.HoldsAsync(async () => (await teamLeadApi.GetFromJsonAsync<CoverageDto>("/api/coverage", AlertHubJson.Options))!,
            c => c.LastCheck is not null, TimeSpan.FromSeconds(60), "the opening check");
        var checkId = running.LastCheck!.Id;
        await cdp.DeliverPushAsync(host, registrationId, JsonSerializer.Serialize(new { type = "check", checkId, answerBy = running.LastCheck.AnswerBy }));
        var answered = await Eventually.HoldsAsync(async () => (await teamLeadApi.GetFromJsonAsync<CoverageDto>("/api/coverage", AlertHubJson.Options))!,
            c => c.LastCheck!.Targets.Any(t => t.Name == "Wijkagent Jansen (demo)" && t.AnsweredVia == "webpush"), TimeSpan.FromSeconds(15), "the service worker's answer");
        Assert.Null(answered.LastCheck!.ConcludedAt); // answered inside the window
        Assert.Equal(0, await police.EvaluateAsync<int>("async () => (await (await navigator.serviceWorker.ready).getNotifications()).length"));

        // After the window: the team lead's screen names the unreachable, why, that they were texted, and whom to call.
        await Eventually.HoldsAsync(async () => (await teamLeadApi.GetFromJsonAsync<CoverageDto>("/api/coverage", AlertHubJson.Options))!,
            c => c.LastCheck!.ConcludedAt is not null, TimeSpan.FromSeconds(40), "the end of the window");
        var teamLead = await browser.NewPhoneAsync(host);
        await teamLead.SignInAsync(TestHost.TeamLead);
        await teamLead.ClickAsync("nav a[href='#/bereikbaarheid']");
        var youthWork = teamLead.Locator("[data-testid=coverage-discipline][data-discipline=youth_work]");
        await Assertions.Expect(youthWork).ToHaveAttributeAsync("data-gap", "true");
        await Assertions.Expect(youthWork).ToContainTextAsync("Geen jongerenwerk bereikbaar — bel Reserve jongerenwerk Bos (demo)");
        await Assertions.Expect(teamLead.Locator("[data-testid=coverage-discipline][data-discipline=police]")).ToHaveAttributeAsync("data-gap", "false");
        var unreachable = teamLead.Locator("[data-testid=unreachable] li");
        await Assertions.Expect(unreachable).ToHaveCountAsync(2);
        await Assertions.Expect(unreachable.Filter(new() { HasText = "Jongerenwerker Bakker (demo)" })).ToContainTextAsync("geen apparaat met meldingen aan");
        await Assertions.Expect(unreachable.First).ToContainTextAsync("sms gestuurd");
        await teamLead.ScreenshotAsync("teamlead-coverage");

        // The coordinator taps: the alert screen says at once who is missing and whom to call.
        var coordinator = await browser.NewPhoneAsync(host);
        await coordinator.SignInAsync(TestHost.Coordinator);
        await coordinator.WaitOnlineAsync();
        await coordinator.ClickAsync("[data-testid=raise]");
        var notice = coordinator.Locator("[data-testid=coverage-notice]");
        await Assertions.Expect(notice).ToContainTextAsync("Geen jongerenwerk bereikbaar — bel Reserve jongerenwerk Bos (demo)");
        await Assertions.Expect(notice).ToContainTextAsync("Geen handhaving bereikbaar — bel Reserve handhaving Peters (demo)");
        await Assertions.Expect(notice.Locator("[data-testid=coverage-call]").First).ToHaveAttributeAsync("href", "tel:+31600000005");
        await coordinator.ScreenshotAsync("coordinator-coverage-notice");
        Assert.Empty(browser.PageErrors);
    }
}
