using AlertHub.Testing;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

namespace AlertHub.WebTests;

/// <summary>Issue 17: a team lead starts a drill in the app; everyone sees OEFENING; the report prints.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DrillBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task TeamLeadStartsADrill_EveryScreenSaysOefening_AndTheReportPrints()
    {
        var partner = await browser.NewPhoneAsync(_host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        var coordinator = await browser.NewPhoneAsync(_host);
        await coordinator.SignInAsync(TestHost.Coordinator);
        await coordinator.WaitForSelectorAsync("[data-testid=raise]");
        await coordinator.WaitOnlineAsync();
        var teamLead = await browser.NewPhoneAsync(_host);
        await teamLead.SignInAsync(TestHost.TeamLead);
        await teamLead.WaitForSelectorAsync("[data-testid=start-drill]");
        await Assertions.Expect(teamLead.Locator("[data-testid=raise]")).ToHaveCountAsync(0); // a team lead raises no real alert
        await Assertions.Expect(teamLead.Locator("[data-testid=drill-school] option", new() { HasText = "Demo College Zaandam" })).ToHaveCountAsync(1);

        await teamLead.SelectOptionAsync("[data-testid=drill-school]", new SelectOptionValue { Label = "Demo College Zaandam" });
        await teamLead.ClickAsync("[data-testid=start-drill]");
        await Assertions.Expect(partner.Locator("[data-testid=alert-card]")).ToHaveCountAsync(0); // not before the confirmation
        await teamLead.ClickAsync("[data-testid=confirm-drill]");

        // The team lead, the partner and the school's coordinator all see it as a drill.
        await Assertions.Expect(teamLead.Locator("[data-testid=alert-live] [data-testid=drill-banner]")).ToContainTextAsync("OEFENING");
        var card = partner.Locator("[data-testid=alert-card]");
        await Assertions.Expect(card.Locator("[data-testid=drill-banner]")).ToContainTextAsync("OEFENING");
        await Assertions.Expect(card.Locator("[data-testid=drill-banner]")).ToContainTextAsync("geen echte melding");
        await Assertions.Expect(card.Locator("[data-testid=drill-banner]")).ToHaveCSSAsync("background-color", "rgb(91, 42, 134)");
        await Assertions.Expect(coordinator.Locator("[data-testid=open-alerts] [data-testid=drill-tag]")).ToHaveTextAsync("OEFENING");
        // The contact to call is who started it: the team lead, not named a coordinator.
        await Assertions.Expect(card.Locator("[data-testid=call-coordinator]")).ToHaveTextAsync("Bel Regievoerder Hendriks (demo) (melder)");
        await partner.ScreenshotAsync("partner-drill");

        await partner.ClickAsync("[data-testid=alert-card] button.answer-on_my_way");
        await partner.WaitForSelectorAsync("[data-testid=your-answer]");

        // The report opens as a printable page with who answered.
        var popup = await teamLead.Context.RunAndWaitForPageAsync(() => teamLead.ClickAsync("[data-testid=drill-report]"));
        await popup.WaitForLoadStateAsync();
        var text = await popup.Locator("body").InnerTextAsync();
        Assert.Contains("OEFENING", text);
        Assert.Contains("Per ontvanger", text);
        Assert.Contains("onderweg", text, StringComparison.OrdinalIgnoreCase);
        await teamLead.ScreenshotAsync("teamlead-drill");
        Assert.Empty(browser.PageErrors);
    }
}
