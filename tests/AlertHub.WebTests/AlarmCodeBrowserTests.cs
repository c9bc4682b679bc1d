using AlertHub.Testing;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

namespace AlertHub.WebTests;

/// <summary>
/// Issue 17: a coordinator sets the personal code for ALARM by SMS in the app; a weak code is refused in Dutch; the
/// saved code then raises an alert by SMS that appears on the coordinator's own screen.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AlarmCodeBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task CoordinatorSetsTheAlarmCode_AWeakOneIsRefusedInDutch_AndTheSavedOneRaisesBySms()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        await using var host = await TestHost.StartAsync(settings: twilio.HubSettings());
        var coordinator = await browser.NewPhoneAsync(host);
        await coordinator.SignInAsync(TestHost.Coordinator);
        await coordinator.WaitOnlineAsync();
        await coordinator.ClickAsync(".alarm-code summary");

        await coordinator.FillAsync("[data-testid=alarm-code]", "121212");
        await coordinator.ClickAsync("[data-testid=save-alarm-code]");
        await Assertions.Expect(coordinator.Locator("[data-testid=alarm-code-status]")).ToContainTextAsync("minder voorspelbare");

        await coordinator.FillAsync("[data-testid=alarm-code]", "740318");
        await coordinator.ClickAsync("[data-testid=save-alarm-code]");
        await Assertions.Expect(coordinator.Locator("[data-testid=alarm-code-status]")).ToContainTextAsync("Alarmcode opgeslagen");
        await Assertions.Expect(coordinator.Locator("[data-testid=alarm-code]")).ToHaveValueAsync("");

        using var response = await twilio.SendInboundAsync(host.BaseAddress, "+31600000010", "ALARM 740318 vechtpartij", messageSid: "SM-browser");
        Assert.Contains("melding gemaakt", await response.Content.ReadAsStringAsync());
        await Assertions.Expect(coordinator.Locator("[data-testid=open-alerts] [data-testid=alert-link]")).ToContainTextAsync("Demo College Zaandam");
        await coordinator.ScreenshotAsync("coordinator-alarm-code");
        Assert.Empty(browser.PageErrors);
    }
}
