using System.Net.Http.Json;
using AlertHub.Client;
using AlertHub.Testing;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

namespace AlertHub.WebTests;

/// <summary>Issue 17: one instruction at the top of a partner's phone; a second setter sees the first and confirms.</summary>
[Collection(BrowserCollection.Name)]
public sealed class InstructionBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task InstructionShowsOnThePartnersPhone_AndASecondSetterMustConfirmTheReplacement()
    {
        var partner = await browser.NewPhoneAsync(_host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        var alert = await (await _host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        await partner.WaitForSelectorAsync("[data-testid=alert-card].alert-open");

        var teamLead = await browser.NewPhoneAsync(_host);
        await teamLead.SignInAsync(TestHost.TeamLead);
        await teamLead.GotoAsync($"{_host.BaseAddress}#/melding/{alert.Id}");
        await teamLead.WaitForSelectorAsync("[data-testid=instruction-form]");
        // The team lead begins typing while there is no instruction yet ...
        await teamLead.FillAsync("[data-testid=instruction-input]", "Groep richting station Krommenie-Assendelft");

        // ... and meanwhile the coordinator gives one: the partner sees it at the top of the alert.
        var coordinator = await _host.ApiAsync(TestHost.Coordinator);
        using (var set = await coordinator.PutAsJsonAsync($"/api/alerts/{alert.Id}/instruction", new { text = "Blijf binnen", replaces = 0 }))
        {
            set.EnsureSuccessStatusCode();
        }
        var shown = partner.Locator("[data-testid=alert-card] [data-testid=instruction]");
        await Assertions.Expect(shown).ToContainTextAsync("Blijf binnen");
        await Assertions.Expect(shown).ToContainTextAsync("Sanne de Vries");
        var top = await partner.Locator("[data-testid=alert-card] header").EvaluateAsync<string>(
            "h => [...h.children].filter(c => c.offsetParent !== null)[0]?.dataset.testid ?? ''");
        Assert.Equal("instruction", top);

        // The team lead's send is refused: it names the current instruction; replacing it takes a second tap.
        await teamLead.ClickAsync("[data-testid=instruction-form] button[type=submit]");
        await Assertions.Expect(teamLead.Locator("[data-testid=instruction-status]")).ToContainTextAsync("Blijf binnen");
        await Assertions.Expect(shown).ToContainTextAsync("Blijf binnen");
        await teamLead.ClickAsync("[data-testid=instruction-replace]");
        await Assertions.Expect(shown).ToContainTextAsync("Groep richting station Krommenie-Assendelft");
        await Assertions.Expect(teamLead.Locator("[data-testid=alert-live] [data-testid=instruction]")).ToContainTextAsync("Krommenie-Assendelft");
        await partner.ScreenshotAsync("partner-instruction");
        Assert.Empty(browser.PageErrors);
    }
}
