using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

using AlertHub.Testing;

namespace AlertHub.WebTests;

[Collection(BrowserCollection.Name)]
public sealed class AlertFlowTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CoordinatorTap_PartnerSeesItWithinTwoSeconds_AndCoordinatorSeesOnMyWay()
    {
        var partner = await browser.NewPhoneAsync(_host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        var coordinator = await browser.NewPhoneAsync(_host);
        await coordinator.SignInAsync(TestHost.Coordinator);
        await coordinator.WaitForSelectorAsync("[data-testid=raise]");
        await coordinator.WaitOnlineAsync();
        await Assertions.Expect(coordinator.Locator("[data-testid=hotline-closed-home]")).ToHaveCountAsync(0); // open: nothing to warn about
        await coordinator.ScreenshotAsync("coordinator-home");
        await partner.ScreenshotAsync("partner-inbox-empty");

        var stopwatch = Stopwatch.StartNew();
        await coordinator.ClickAsync("[data-testid=raise]");
        await partner.WaitForSelectorAsync("[data-testid=alert-card].alert-open", new() { Timeout = 2000 });
        stopwatch.Stop();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"The partner saw the alert after {stopwatch.Elapsed}.");
        await partner.ScreenshotAsync("partner-inbox-alert");

        await partner.ClickAsync("[data-testid=alert-card] button.answer-on_my_way");
        await partner.WaitForSelectorAsync("[data-testid=your-answer]");
        var row = coordinator.Locator("[data-testid=alert-live] .recipient", new() { HasText = "Politie" });
        await Assertions.Expect(row.Locator("[data-testid=response]")).ToContainTextAsync("Onderweg");
        await Assertions.Expect(row).ToContainTextAsync("ontvangen");
        await coordinator.ScreenshotAsync("coordinator-alert");

        // "Soort situatie" changes the alert itself: the partner's card says "Wapen" now.
        await coordinator.SelectOptionAsync("select[name=kind]", "weapon");
        await coordinator.Locator("form", new() { HasText = "Soort situatie" }).Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(partner.Locator("[data-testid=alert-card]")).ToContainTextAsync("Wapen");
        await Assertions.Expect(coordinator.Locator("[data-testid=alert-live]")).ToContainTextAsync("Soort situatie gewijzigd: dreigende situatie → wapen gezien.");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task ACoordinatorWhoReceivesAnAlert_IsTreatedAsARecipient_ConfirmsAndAnswers()
    {
        var second = await browser.NewPhoneAsync(_host);
        await second.SignInAsync(TestHost.Coordinator2);
        await second.WaitOnlineAsync();
        var coordinator = await browser.NewPhoneAsync(_host);
        await coordinator.SignInAsync(TestHost.Coordinator);
        await coordinator.WaitOnlineAsync();
        await coordinator.ClickAsync("[data-testid=raise]");

        // The other coordinator's phone announces it and confirms receipt (so no SMS is needed)...
        await Assertions.Expect(second.Locator("[data-testid=announcer]")).ToContainTextAsync("Nieuwe melding");
        var row = coordinator.Locator("[data-testid=alert-live] .recipient", new() { HasText = "Ahmed" });
        await Assertions.Expect(row).ToContainTextAsync("ontvangen");
        // ...and they answer like a partner, from the alert's page.
        await second.ClickAsync("[data-testid=alert-link]");
        await second.ClickAsync("[data-testid=alert-live] button.answer-on_my_way");
        await Assertions.Expect(row.Locator("[data-testid=response]")).ToContainTextAsync("Onderweg");
        await Assertions.Expect(coordinator.Locator("[data-testid=summary]")).ToContainTextAsync("1 onderweg");
        await Assertions.Expect(coordinator.Locator("[data-testid=summary]")).ToContainTextAsync("geen antwoord");
        await Assertions.Expect(coordinator.Locator("[data-testid=summary]")).ToContainTextAsync("min sinds de melding");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task UndoWithinTheWindow_PartnerSeesItCancelled()
    {
        var partner = await browser.NewPhoneAsync(_host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        var coordinator = await browser.NewPhoneAsync(_host);
        await coordinator.SignInAsync(TestHost.Coordinator);

        await coordinator.ClickAsync("[data-testid=raise]");
        await coordinator.WaitForSelectorAsync("[data-testid=undo]");
        await coordinator.ScreenshotAsync("coordinator-undo");
        await partner.WaitForSelectorAsync("[data-testid=alert-card].alert-open");
        await coordinator.ClickAsync("[data-testid=undo]");

        var card = partner.Locator("[data-testid=alert-card]");
        await Assertions.Expect(card.Locator("[data-testid=alert-status]")).ToHaveTextAsync("Geannuleerd (vals alarm)");
        await Assertions.Expect(card.Locator("button.answer")).ToHaveCountAsync(0);
        await Assertions.Expect(coordinator.Locator("[data-testid=alert-live] [data-testid=alert-status]")).ToHaveTextAsync("Geannuleerd (vals alarm)");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task PartnerOffline_AlertRaised_AppearsWhenBackOnline()
    {
        var partner = await browser.NewPhoneAsync(_host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();

        await partner.Context.SetOfflineAsync(true);
        await Assertions.Expect(partner.Locator("#connection")).ToHaveTextAsync("Offline — opnieuw verbinden…");
        await partner.ScreenshotAsync("partner-offline");

        using var api = await _host.ApiAsync(TestHost.Coordinator);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } } };
        var raised = await api.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Created, raised.StatusCode);
        var alertId = (await raised.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await Task.Delay(500);
        Assert.Equal(0, await partner.Locator("[data-testid=alert-card]").CountAsync());

        await partner.Context.SetOfflineAsync(false);
        await partner.WaitForSelectorAsync($"[data-alert-id='{alertId}']", new() { Timeout = 15_000 });
        await Assertions.Expect(partner.Locator("#connection")).ToBeHiddenAsync();
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task HotlineClosed_CoordinatorSeesItPlainlyWith112()
    {
        await _host.DisposeAsync();
        // Open only on a weekday three days from now: closed today, whatever the clock says.
        var otherDay = TestClock.Local(TestClock.Running().GetUtcNow()).AddDays(3).DayOfWeek.ToString()[..3];
        _host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Hotline:Days"] = otherDay });
        var coordinator = await browser.NewPhoneAsync(_host);
        await coordinator.SignInAsync(TestHost.Coordinator);

        // Before the tap: the home screen says the hotline is closed, when it opens, and offers 112.
        var home = coordinator.Locator("[data-testid=hotline-closed-home]");
        await Assertions.Expect(home).ToContainTextAsync("De meldlijn is nu gesloten");
        await Assertions.Expect(home).ToContainTextAsync("De meldlijn gaat weer open op");
        await Assertions.Expect(home.Locator("a[href='tel:112']")).ToHaveTextAsync("Bel 112");
        await Assertions.Expect(coordinator.Locator("section.raise")).ToContainTextAsync("Sms gaat pas weer als de meldlijn open is.");

        await coordinator.ClickAsync("[data-testid=raise]");
        var notice = coordinator.Locator("[data-testid=hotline-closed]");
        await Assertions.Expect(notice).ToContainTextAsync("De meldlijn is nu gesloten");
        await Assertions.Expect(notice.Locator("a[href='tel:112']")).ToHaveTextAsync("Bel 112");
        await coordinator.ScreenshotAsync("coordinator-hotline-closed");
        Assert.Empty(browser.PageErrors);
    }
}
