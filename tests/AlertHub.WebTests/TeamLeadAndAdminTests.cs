using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

using AlertHub.Testing;

namespace AlertHub.WebTests;

[Collection(BrowserCollection.Name)]
public sealed class TeamLeadAndAdminTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> RaiseAsync(HttpClient coordinator)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } } };
        var response = await coordinator.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task TeamLead_IncompleteCloseShowsWhatIsMissing_ThenFillsInAndCloses()
    {
        using var coordinator = await _host.ApiAsync(TestHost.Coordinator);
        await RaiseAsync(coordinator);
        var page = await browser.NewPhoneAsync(_host);
        await page.SignInAsync(TestHost.TeamLead);

        await page.GotoAsync("/#/evaluaties");
        await page.ClickAsync("[data-testid=evaluations] a.card");
        await page.ClickAsync("[data-testid=close-evaluation]");
        var missing = page.Locator("[data-testid=missing] li");
        await Assertions.Expect(missing).ToHaveCountAsync(3);
        await Assertions.Expect(missing.First).ToContainTextAsync("Wat ging er goed?");
        // Marked at the field too, and the question reads as the server words it.
        await Assertions.Expect(page.Locator("textarea[name=wentWell][aria-invalid=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=field-error]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("label[for=eval-wentWell]")).ToHaveTextAsync("Wat ging er goed?");
        // The summary is at the top: visible on a phone without scrolling down.
        var top = await page.Locator("[data-testid=evaluation-status]").BoundingBoxAsync();
        Assert.True(top!.Y < 844, $"the missing fields are summarised at y={top.Y}, below the phone's screen");
        await page.ScreenshotAsync("teamlead-evaluation-incomplete");

        await page.FillAsync("textarea[name=wentWell]", "Politie en jongerenwerk waren binnen tien minuten ter plaatse.");
        await page.FillAsync("textarea[name=wentWrong]", "De sms kwam bij één partner pas laat aan.");
        await page.FillAsync("textarea[name=cooperation]", "Korte lijnen, goed overleg.");
        await page.ClickAsync("text=Actiepunt toevoegen");
        await page.FillAsync(".action-item input[name=description]", "Telefoonnummer handhaving controleren");
        await page.ClickAsync("[data-testid=close-evaluation]");
        // The action item still lacks an owner and a date: both are named.
        await Assertions.Expect(missing).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=missing]")).ToContainTextAsync("geen eigenaar");

        await page.FillAsync(".action-item input[name=owner]", "Beheer");
        await page.FillAsync(".action-item input[name=dueDate]", TestClock.Local(_host.Now).AddDays(14).ToString("yyyy-MM-dd"));
        await page.ClickAsync("[data-testid=close-evaluation]");
        await Assertions.Expect(page.Locator("[data-testid=evaluation-status]")).ToContainTextAsync("Evaluatie gesloten.");
        // Closed is read-only: no field and no button but printing stays active; who wrote what is shown.
        await Assertions.Expect(page.Locator("form.panel button:enabled")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("form.panel textarea:enabled, form.panel input:enabled")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("ul.inputs").First).ToContainTextAsync("Politie en jongerenwerk waren binnen tien minuten ter plaatse.");
        await Assertions.Expect(page.Locator("ul.inputs").First).ToContainTextAsync("(demo)");
        await page.ScreenshotAsync("teamlead-evaluation-closed");

        using var teamLead = await _host.ApiAsync(TestHost.TeamLead);
        Assert.Empty(await teamLead.GetFromJsonAsync<JsonElement[]>("/api/evaluations?status=open") ?? []);
        var actionItems = await teamLead.GetFromJsonAsync<JsonElement[]>("/api/evaluations/action-items");
        Assert.Contains(actionItems!, i => i.GetProperty("description").GetString() == "Telefoonnummer handhaving controleren");
        await page.GotoAsync("/#/actiepunten");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Telefoonnummer handhaving controleren");
        await page.ScreenshotAsync("teamlead-action-items");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Admin_ImportsCsvWithOneBadLine_LineIsReported_NothingImported()
    {
        var page = await browser.NewPhoneAsync(_host);
        await page.SignInAsync(TestHost.Admin);
        await page.GotoAsync("/#/beheer/people");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("Wijkagent Jansen (demo)");
        await page.ScreenshotAsync("admin-people");

        await page.GotoAsync("/#/import");
        await page.SelectOptionAsync("select[name=kind]", "people");
        await page.FillAsync("textarea[name=data]", string.Join("\n",
            "name,email,role,discipline,phone,organisationId,regionId",
            "Agent Een,een@test.nl,partner,police,+31630000001,politie-zaanstreek,zaanstreek",
            "Agent Twee,twee@test.nl,partner,police,06-30000002,politie-zaanstreek,zaanstreek",
            "Agent Drie,drie@test.nl,partner,police,+31630000003,politie-zaanstreek,zaanstreek"));
        await page.ClickAsync("form button[type=submit]");

        var result = page.Locator("[data-testid=import-result]");
        await Assertions.Expect(result).ToContainTextAsync("Niets geïmporteerd");
        await Assertions.Expect(result.Locator("ul.errors li")).ToHaveCountAsync(1);
        await Assertions.Expect(result.Locator("ul.errors li")).ToContainTextAsync("Regel 3");
        await Assertions.Expect(result.Locator("ul.errors li")).ToContainTextAsync("06-30000002");
        await Assertions.Expect(result.Locator("ul.errors li")).ToContainTextAsync("Telefoon (phone)");
        await page.ScreenshotAsync("admin-import-error");

        using var admin = await _host.ApiAsync(TestHost.Admin);
        var people = await admin.GetFromJsonAsync<JsonElement[]>("/api/admin/people");
        Assert.DoesNotContain(people!, p => p.GetProperty("name").GetString()!.StartsWith("Agent ", StringComparison.Ordinal));
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Admin_PicksByName_NewRosterEntryIsNoBackup_DatesHaveTheirYear_AndTheImportOffersATemplate()
    {
        var page = await browser.NewPhoneAsync(_host);
        await page.SignInAsync(TestHost.Admin);
        await page.GotoAsync("/#/beheer/roster");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"\d{1,2} \w+\.? \d{4}, \d{2}:\d{2}"));
        await page.ClickAsync("main > button.secondary"); // Nieuw
        await Assertions.Expect(page.Locator("select[name=personId] option", new() { HasText = "Wijkagent Jansen (demo)" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("select[name=regionId] option", new() { HasText = "Zaanstreek" })).ToHaveCountAsync(1);
        Assert.False(await page.IsCheckedAsync("input[name=isBackup]"));

        await page.GotoAsync("/#/import");
        await page.SelectOptionAsync("select[name=kind]", "people");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=import-template]"));
        Assert.Equal("alerthub-people.csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("name,email,role,discipline,phone", csv.TrimStart('\uFEFF'));
        Assert.Contains("politie", csv);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Admin_SeesANumberTwilioRefused_WithItsReasonInDutch()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        twilio.Refuse("+31600000003", 21610); // handhaving sent STOP to our number
        var settings = twilio.HubSettings();
        settings["Alerts:SmsFallbackAfter"] = "00:00:01";
        await using var host = await TestHost.StartAsync(settings: settings);
        using (var coordinator = await host.ApiAsync(TestHost.Coordinator))
        {
            await RaiseAsync(coordinator);
        }
        using var admin = await host.ApiAsync(TestHost.Admin);
        await Eventually.TrueAsync(async () => (await admin.GetFromJsonAsync<JsonElement[]>("/api/admin/flagged-numbers"))!.Length == 1,
            "the refused number flagged", TimeSpan.FromSeconds(15));

        var page = await browser.NewPhoneAsync(host);
        await page.SignInAsync(TestHost.Admin);
        await page.GotoAsync("/#/beheer/flagged");
        var table = page.Locator("table");
        await Assertions.Expect(table).ToContainTextAsync("+31600000003");
        await Assertions.Expect(table).ToContainTextAsync("STOP (21610)");
        await Assertions.Expect(table.Locator("button")).ToHaveCountAsync(0); // read-only: fixed on the person's page
        await page.ScreenshotAsync("admin-flagged-numbers");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Admin_MakesAnApiClientAndAWebhook_SeesEachSecretOnce_AndSendsAFailedDeliveryAgain()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Partners:WebhookAllowLoopbackHttp"] = "true",
            ["Partners:WebhookMaxAttempts"] = "1",
        });
        receiver.Clock = () => host.Now;
        var page = await browser.NewPhoneAsync(host);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.SignInAsync(TestHost.Admin);
        await page.GotoAsync("/#/beheer/koppelingen");
        await Assertions.Expect(page.Locator("[data-testid=api-clients]")).ToContainTextAsync("Nog geen API-clients.");
        await Assertions.Expect(page.Locator("[data-testid=dead-deliveries]")).ToContainTextAsync("Geen mislukte afleveringen.");

        // An API client: the secret once, and it works at the token endpoint.
        var form = page.Locator("[data-testid=new-client]");
        await form.Locator("input[name=name]").FillAsync("Meldkamersysteem Zaanstreek");
        await form.Locator("select[name=organisationId]").SelectOptionAsync("politie-zaanstreek");
        await form.Locator("input[value='alerts:answer']").CheckAsync();
        await form.Locator("button[type=submit]").ClickAsync();
        var values = page.Locator("[data-testid=client-secret-value]");
        await Assertions.Expect(values).ToHaveCountAsync(2);
        var clientId = await values.Nth(0).TextContentAsync();
        var secret = await values.Nth(1).TextContentAsync();
        Assert.StartsWith("ahs_", secret);
        var clients = page.Locator("[data-testid=api-clients]");
        await Assertions.Expect(clients).ToContainTextAsync("Meldkamersysteem Zaanstreek");
        await Assertions.Expect(clients).ToContainTextAsync("Meldingen lezen, Reageren namens de organisatie");
        using (var anonymous = host.CreateHttp())
        using (var token = await anonymous.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId!, ["client_secret"] = secret!,
        })))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, token.StatusCode);
        }
        await page.ScreenshotAsync("admin-integrations-client");
        // Reloaded, the secret is gone for good.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=api-clients]")).ToContainTextAsync("Meldkamersysteem Zaanstreek");
        Assert.DoesNotContain(secret!, await page.ContentAsync());

        // A webhook for the police whose receiver fails once: one attempt (the setting), dead, sent again from the list.
        var hook = page.Locator("[data-testid=set-webhook]");
        await hook.Locator("select[name=organisationId]").SelectOptionAsync("politie-zaanstreek");
        await hook.Locator("input[name=url]").FillAsync(receiver.Url("politie"));
        await hook.Locator("button[type=submit]").ClickAsync();
        var hookSecret = page.Locator("[data-testid=webhook-secret-value]");
        await Assertions.Expect(hookSecret).ToHaveCountAsync(1);
        receiver.UseSecret("politie", (await hookSecret.TextContentAsync())!);
        await Assertions.Expect(page.Locator("[data-testid=webhooks]")).ToContainTextAsync(receiver.Url("politie"));
        receiver.FailNext("politie", 500);
        using (var coordinator = await host.ApiAsync(TestHost.Coordinator))
        {
            await RaiseAsync(coordinator);
        }
        await receiver.WaitForAsync(r => r.Status == 500, "the failing attempt");
        var dead = page.Locator("[data-testid=dead-deliveries]");
        using (var adminApi = await host.ApiAsync(TestHost.Admin))
        {
            await Eventually.TrueAsync(async () => (await adminApi.GetFromJsonAsync<JsonElement[]>("/api/admin/webhook-deliveries?state=dead"))!.Length == 1,
                "the delivery dead after its one attempt");
        }
        await page.ReloadAsync();
        await Assertions.Expect(dead).ToContainTextAsync("Nieuwe melding");
        await Assertions.Expect(dead).ToContainTextAsync("Antwoord 500.");
        await page.ScreenshotAsync("admin-integrations-dead");
        await dead.Locator("[data-testid=resend]").ClickAsync();
        await receiver.WaitForAsync("politie", "alert.raised");
        await Assertions.Expect(dead).ToContainTextAsync("Geen mislukte afleveringen.");

        // Revoked: marked so, and the secret no longer gets a token.
        await clients.Locator("[data-testid=revoke-client]").ClickAsync();
        await Assertions.Expect(clients).ToContainTextAsync("Ingetrokken op");
        using (var anonymous = host.CreateHttp())
        using (var refused = await anonymous.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId!, ["client_secret"] = secret!,
        })))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Dashboard_RendersItsChartsWithData()
    {
        using var coordinator = await _host.ApiAsync(TestHost.Coordinator);
        using var police = await _host.ApiAsync(TestHost.Police);
        for (var i = 0; i < 2; i++)
        {
            var id = await RaiseAsync(coordinator);
            (await police.PostAsJsonAsync($"/api/alerts/{id}/acknowledgements", new { response = "on_my_way" })).EnsureSuccessStatusCode();
        }

        var page = await browser.NewPhoneAsync(_host);
        await page.SignInAsync(TestHost.TeamLead);
        await page.GotoAsync("/#/dashboard");
        await page.WaitForSelectorAsync("main[data-charts-ready='4']");

        var totals = await page.EvaluateAsync<JsonElement>("""
            () => [...document.querySelectorAll('main canvas')].map(c => {
              const chart = Chart.getChart(c);
              return { id: c.id, width: c.width, sum: chart.data.datasets.flatMap(d => d.data).reduce((a, b) => a + (b || 0), 0) };
            })
            """);
        var charts = totals.EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c);
        Assert.Equal(4, charts.Count);
        Assert.All(charts.Values, c => Assert.True(c.GetProperty("width").GetInt32() > 100));
        Assert.Equal(2, charts["chart-per-school"].GetProperty("sum").GetDouble());
        Assert.True(charts["chart-first-ack"].GetProperty("sum").GetDouble() >= 0);
        await page.ScreenshotAsync("dashboard");

        await page.GotoAsync("/#/melden");
        await Assertions.Expect(page.Locator("ul.cards a.card")).ToHaveCountAsync(2);
        await page.ScreenshotAsync("teamlead-alerts");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task SignInPage_IsDutch_RejectsAWrongPassword_AndServesTheInstallableShell()
    {
        var page = await browser.NewPhoneAsync(_host);
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("form.login h2")).ToHaveTextAsync("Inloggen");
        await page.ScreenshotAsync("login");
        await page.FillAsync("input[name=email]", TestHost.Coordinator);
        await page.FillAsync("input[name=password]", "fout-wachtwoord");
        await page.ClickAsync("form.login button[type=submit]");
        await Assertions.Expect(page.Locator("form.login .message.error")).ToHaveTextAsync("Onjuiste inloggegevens.");

        var manifest = await page.EvaluateAsync<JsonElement>("() => fetch('/manifest.webmanifest').then(r => r.json())");
        Assert.Equal("AlertHub", manifest.GetProperty("short_name").GetString());
        var worker = await page.EvaluateAsync<string>("() => navigator.serviceWorker.ready.then(r => r.active.scriptURL)");
        Assert.EndsWith("/sw.js", worker);
        // R13: no token in web storage or the page; the device cookie is HttpOnly (script cannot read it); what
        // localStorage keeps for the offline shell is the profile only.
        await page.FillAsync("input[name=password]", TestHost.DemoPassword);
        var login = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("form.login button[type=submit]"),
            r => r.Url.EndsWith("/api/auth/device/login", StringComparison.Ordinal));
        await page.WaitForSelectorAsync("#nav a");
        var token = JsonDocument.Parse(await login.TextAsync()).RootElement.GetProperty("accessToken").GetString()!;
        Assert.DoesNotContain(token, await page.ContentAsync());
        var storage = await page.EvaluateAsync<string>(
            "() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.cookie");
        Assert.DoesNotContain(token, storage);
        Assert.DoesNotContain("AlertHub-Device", storage);
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "AlertHub-Device");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("/api/auth", cookie.Path);
        var stored = JsonDocument.Parse(await page.EvaluateAsync<string>("() => localStorage.getItem('alerthub.profile')")).RootElement;
        Assert.Equal(["personId", "name", "role", "regionId", "schoolId", "discipline"], stored.EnumerateObject().Select(p => p.Name));
        Assert.Empty(browser.PageErrors);
    }
}
