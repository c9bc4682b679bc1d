using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AlertHub.Testing;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

namespace AlertHub.WebTests;

/// <summary>
/// Issue 14, no silent failure: what a person does while the network is gone is shown as waiting and sent when it
/// returns (with the same Idempotency-Key, so once); a refusal is shown in Dutch with "Opnieuw"; a tap that does
/// not get through offers 112, the school and its fixed contacts and goes out when the network returns.
/// And what a partner on the way needs: the school's address with a map link, call buttons.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class NoSilentFailureTests(BrowserFixture browser)
{
    private static readonly Dictionary<string, string?> QuietTimers = TestHost.QuietTimers();

    [Fact]
    public async Task PartnerAnswersOffline_ShownAsWaiting_SentOnceWhenBackOnline()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var partner = await browser.NewPhoneAsync(host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var alertId = await RaiseAsync(coordinator);
        await partner.WaitForSelectorAsync("[data-testid=alert-card].alert-open");

        await partner.Context.SetOfflineAsync(true);
        await partner.ClickAsync("[data-testid=alert-card] button.answer-on_my_way");
        var state = partner.Locator("[data-testid=alert-card] [data-testid=action-state]");
        await Assertions.Expect(state).ToHaveAttributeAsync("data-state", "waiting");
        await Assertions.Expect(state).ToContainTextAsync("Geen verbinding — Uw antwoord ‘Onderweg’ wordt verstuurd zodra er weer verbinding is.");
        await partner.ScreenshotAsync("partner-answer-waiting");
        Assert.Null(await ResponseOf(coordinator, alertId, "Politie"));

        await partner.Context.SetOfflineAsync(false);
        await Assertions.Expect(state).ToHaveAttributeAsync("data-state", "sent");
        await Assertions.Expect(partner.Locator("[data-testid=your-answer]")).ToContainTextAsync("Onderweg");
        Assert.Equal("on_my_way", await ResponseOf(coordinator, alertId, "Politie"));
        await Assertions.Expect(partner.Locator("body")).Not.ToContainTextAsync("Failed to fetch");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task AnswerRefused_ShowsTheReasonInDutch_WithRetry()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var partner = await browser.NewPhoneAsync(host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var alertId = await RaiseAsync(coordinator);
        await partner.WaitForSelectorAsync("[data-testid=alert-card].alert-open");

        // Given offline, the alert resolved meanwhile: the hub refuses the answer when it arrives.
        await partner.Context.SetOfflineAsync(true);
        await partner.ClickAsync("[data-testid=alert-card] button.answer-seen");
        (await coordinator.PostAsync($"/api/alerts/{alertId}/resolve", Json("{\"outcome\":\"Rustig\"}"))).EnsureSuccessStatusCode();
        await partner.Context.SetOfflineAsync(false);

        var state = partner.Locator("[data-testid=alert-card] [data-testid=action-state]");
        await Assertions.Expect(state).ToHaveAttributeAsync("data-state", "failed");
        await Assertions.Expect(state).ToContainTextAsync("Uw antwoord ‘Gezien’ is niet verstuurd: De melding is al afgesloten.");
        await Assertions.Expect(state.Locator("button", new() { HasText = "Opnieuw" })).ToBeVisibleAsync();
        await state.Locator("button", new() { HasText = "Sluiten" }).ClickAsync();
        await Assertions.Expect(state).ToHaveCountAsync(0);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task CoordinatorWithdrawsAFalseAlarmOffline_TheAlertIsCancelledWhenBackOnline()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var page = await browser.NewPhoneAsync(host);
        await page.SignInAsync(TestHost.Coordinator);
        await page.WaitOnlineAsync();
        await page.ClickAsync("[data-testid=raise]");
        await page.WaitForSelectorAsync("[data-testid=undo]");
        var alertId = page.Url.Split("#/melding/")[1];

        await page.Context.SetOfflineAsync(true);
        await page.ClickAsync("[data-testid=undo]");
        var state = page.Locator("[data-testid=alert-live] [data-testid=action-state]");
        await Assertions.Expect(state).ToHaveAttributeAsync("data-state", "waiting");
        await Assertions.Expect(state).ToContainTextAsync("Het intrekken van de melding wordt verstuurd zodra er weer verbinding is.");
        await page.ScreenshotAsync("coordinator-cancel-waiting");

        await page.Context.SetOfflineAsync(false);
        await Assertions.Expect(page.Locator("[data-testid=alert-live] [data-testid=alert-status]")).ToHaveTextAsync("Geannuleerd (vals alarm)");
        using var api = await host.ApiAsync(TestHost.Coordinator);
        var alert = await api.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}");
        Assert.Equal("cancelled", alert.GetProperty("status").GetString());
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task TapWithoutNetwork_Offers112TheSchoolAndItsContacts_AndGoesOutOnceWhenTheNetworkReturns()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var page = await browser.NewPhoneAsync(host);
        await page.SignInAsync(TestHost.Coordinator);
        await page.WaitOnlineAsync();
        // The school's numbers are kept on the device while there is a network.
        await Eventually.TrueAsync(async () => await page.EvaluateAsync<bool>("localStorage.getItem('alerthub.schoolContacts') !== null"),
            "the school's contacts kept");

        await page.Context.SetOfflineAsync(true);
        await page.ClickAsync("[data-testid=raise]");
        var panel = page.Locator("[data-testid=raise-failed]");
        await Assertions.Expect(panel).ToContainTextAsync("De melding is nog niet verstuurd");
        await Assertions.Expect(panel).ToContainTextAsync("We blijven het proberen");
        await Assertions.Expect(panel.Locator("[data-testid=call-112]")).ToHaveAttributeAsync("href", "tel:112");
        await Assertions.Expect(panel.Locator("[data-testid=call-school]")).ToHaveAttributeAsync("href", "tel:+31750000100");
        var contact = panel.Locator("[data-testid=call-contact]");
        await Assertions.Expect(contact).ToHaveAttributeAsync("href", "tel:+31600000012");
        await Assertions.Expect(contact).ToContainTextAsync("Jeugdambassadeur Smit (demo)");
        await page.ScreenshotAsync("coordinator-raise-not-through");

        await page.Context.SetOfflineAsync(false);
        await page.WaitForSelectorAsync("[data-testid=alert-live]");
        await Assertions.Expect(page.Locator("[data-testid=raise-result]")).ToHaveTextAsync("Melding verstuurd");
        using var api = await host.ApiAsync(TestHost.Coordinator);
        var open = await api.GetFromJsonAsync<JsonElement>("/api/alerts?status=open");
        Assert.Equal(1, open.GetArrayLength());
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Partner_SeesTheSchoolsAddressWithAMapLink_AndCallButtons()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var partner = await browser.NewPhoneAsync(host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        await RaiseAsync(coordinator);

        var contacts = partner.Locator("[data-testid=alert-card].alert-open [data-testid=alert-contacts]");
        await Assertions.Expect(contacts).ToContainTextAsync("Stationsplein 1, 1506 DA Zaandam");
        await Assertions.Expect(contacts.Locator("[data-testid=map-link]")).ToHaveAttributeAsync("href",
            "https://www.openstreetmap.org/search?query=Stationsplein%201%2C%201506%20DA%20Zaandam");
        await Assertions.Expect(contacts.Locator("[data-testid=call-school]")).ToHaveAttributeAsync("href", "tel:+31750000100");
        await Assertions.Expect(contacts.Locator("[data-testid=call-coordinator]")).ToHaveAttributeAsync("href", "tel:+31600000010");
        await Assertions.Expect(contacts.Locator("[data-testid=call-coordinator]")).ToContainTextAsync("Bel Sanne de Vries (demo) (coördinator)");
        await partner.ScreenshotAsync("partner-contacts");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task PartnerWhoAnswered_GivesInputToTheEvaluation_FromTheNavigation()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var alertId = await RaiseAsync(coordinator);
        using (var police = await host.ApiAsync(TestHost.Police))
        {
            (await police.PostAsync($"/api/alerts/{alertId}/acknowledgements", Json("{\"response\":\"on_scene\"}"))).EnsureSuccessStatusCode();
        }
        (await coordinator.PostAsync($"/api/alerts/{alertId}/resolve", Json("{\"outcome\":\"Groep vertrokken\"}"))).EnsureSuccessStatusCode();

        var partner = await browser.NewPhoneAsync(host);
        await partner.SignInAsync(TestHost.Police);
        await partner.ClickAsync("#nav a[href='#/evaluaties']");
        await partner.ClickAsync("main a[href^='#/evaluatie/']");
        await partner.FillAsync("textarea[name=wentWell]", "Snel ter plaatse dankzij het adres in de app.");
        await partner.ClickAsync("form.panel button[type=submit]");
        await Assertions.Expect(partner.Locator("[data-testid=evaluation-status]")).ToContainTextAsync("Opgeslagen");
        await Assertions.Expect(partner.Locator("[data-testid=close-evaluation]")).ToHaveCountAsync(0);

        using var teamLead = await host.ApiAsync(TestHost.TeamLead);
        var list = await teamLead.GetFromJsonAsync<JsonElement>("/api/evaluations?status=open");
        var evaluation = await teamLead.GetFromJsonAsync<JsonElement>($"/api/evaluations/{list[0].GetProperty("id").GetString()}");
        Assert.Contains(evaluation.GetProperty("inputs").EnumerateArray(), i =>
            i.GetProperty("text").GetString() == "Snel ter plaatse dankzij het adres in de app." && i.GetProperty("by").GetString() == "Wijkagent Jansen (demo)");
        Assert.Empty(browser.PageErrors);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> RaiseAsync(HttpClient coordinator)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } } };
        var response = await coordinator.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<string?> ResponseOf(HttpClient api, string alertId, string organisationPart)
    {
        var alert = await api.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}");
        var recipient = alert.GetProperty("recipients").EnumerateArray()
            .First(r => r.GetProperty("organisation").GetString()!.Contains(organisationPart, StringComparison.Ordinal));
        return recipient.GetProperty("response").ValueKind == JsonValueKind.Null ? null : recipient.GetProperty("response").GetString();
    }
}
