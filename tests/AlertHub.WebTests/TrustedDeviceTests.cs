using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.WebTests.Support;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

using AlertHub.Testing;

namespace AlertHub.WebTests;

/// <summary>R13: the web app stays signed in on a trusted device — reopened, reloaded offline, across token expiry — until the device is ended.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TrustedDeviceTests(BrowserFixture browser)
{
    private const string SessionExpired = "Sessie verlopen — log opnieuw in";

    private static readonly Dictionary<string, string?> QuietTimers = TestHost.QuietTimers(("Security:RecheckConnectionsEvery", "00:00:00.500"));

    [Fact]
    public async Task ClosedAndReopened_InTheSameBrowser_IsStillSignedIn_AndSignOutEndsIt()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var page = await browser.NewPhoneAsync(host);
        await page.SignInAsync(TestHost.Police);
        await page.WaitOnlineAsync();
        var context = page.Context;
        await page.CloseAsync();

        var reopened = await context.NewPageAsync();
        await reopened.GotoAsync("/");
        await reopened.WaitForSelectorAsync("#nav a");
        await reopened.WaitOnlineAsync();
        Assert.Equal(0, await reopened.Locator("form.login").CountAsync());
        await Assertions.Expect(reopened.Locator("#who")).ToContainTextAsync("Wijkagent Jansen");
        await reopened.ScreenshotAsync("partner-reopened-signed-in");

        await reopened.ClickAsync("#who button.link");
        await reopened.WaitForSelectorAsync("form.login");
        Assert.Equal(0, await reopened.Locator("[data-testid=session-expired]").CountAsync());
        var afterSignOut = await context.NewPageAsync();
        await afterSignOut.GotoAsync("/");
        await afterSignOut.WaitForSelectorAsync("form.login");
        Assert.Equal(0, await afterSignOut.Locator("[data-testid=session-expired]").CountAsync());
        Assert.Null(await afterSignOut.EvaluateAsync<string?>("() => localStorage.getItem('alerthub.profile')"));
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task OfflineReload_ShowsTheSignedInShellOffline_NotTheSignInForm_AndWorksAgainOnline()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var page = await browser.NewPhoneAsync(host);
        await page.SignInAsync(TestHost.Police);
        await page.WaitOnlineAsync();
        await page.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null");

        await page.Context.SetOfflineAsync(true);
        await page.ReloadAsync();

        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("Offline — opnieuw verbinden…");
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync("Wijkagent Jansen");
        await Assertions.Expect(page.Locator("[data-testid=inbox]")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("form.login").CountAsync());
        await page.ScreenshotAsync("partner-offline-reload");

        await page.Context.SetOfflineAsync(false);
        await page.WaitOnlineAsync();
        await Assertions.Expect(page.Locator("#connection")).ToBeHiddenAsync(new() { Timeout = 15_000 });
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        await page.WaitForSelectorAsync($"[data-testid=alert-card][data-alert-id='{alert.Id}']");
        Assert.Equal(0, await page.Locator("form.login").CountAsync());
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task ShortAccessTokens_AreRenewedBeforeTheyExpire_AndAlertsKeepArriving()
    {
        var lifetime = TimeSpan.FromSeconds(4);
        await using var host = await TestHost.StartAsync(settings: QuietTimers, services: services =>
            services.PostConfigure<BearerTokenOptions>(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = lifetime));
        var page = await browser.NewPhoneAsync(host);
        var refreshes = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/api/auth/device/refresh", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref refreshes);
            }
        };
        await page.SignInAsync(TestHost.Police);
        await page.WaitOnlineAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        for (var round = 0; round < 2; round++)
        {
            await Task.Delay(lifetime * 2.5);
            var alert = await coordinator.RaiseAsync();
            await page.WaitForSelectorAsync($"[data-testid=alert-card][data-alert-id='{alert.Id}']");
            await (await host.LoginAsync(TestHost.Coordinator)).CancelAsync(alert.Id);
        }

        Assert.True(Volatile.Read(ref refreshes) >= 3, $"only {refreshes} refreshes in {lifetime * 5}");
        Assert.Equal(0, await page.Locator("form.login").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid=session-expired]").CountAsync());
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task DeviceEndedInMijnApparaten_TheOtherDeviceSaysSessieVerlopen_NotOffline()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var phone = await browser.NewPhoneAsync(host);
        await phone.SignInAsync(TestHost.Police);
        await phone.WaitOnlineAsync();
        var pc = await browser.NewPhoneAsync(host);
        await pc.SignInAsync(TestHost.Police);

        await pc.ClickAsync("[data-testid=my-devices]");
        var devices = pc.Locator("[data-testid=devices] [data-testid=device]");
        await Assertions.Expect(devices).ToHaveCountAsync(2);
        await Assertions.Expect(pc.Locator("[data-testid=current-device]")).ToHaveTextAsync("Dit apparaat");
        await pc.ScreenshotAsync("my-devices");
        pc.Dialog += (_, dialog) => dialog.AcceptAsync();
        await devices.Filter(new() { HasNot = pc.Locator("[data-testid=current-device]") }).Locator("[data-testid=end-device]").ClickAsync();
        await Assertions.Expect(devices).ToHaveCountAsync(1);

        await Assertions.Expect(phone.Locator("[data-testid=session-expired]")).ToHaveTextAsync(SessionExpired, new() { Timeout = 15_000 });
        await Assertions.Expect(phone.Locator("form.login")).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator("#connection")).ToBeHiddenAsync();
        await phone.ScreenshotAsync("partner-session-expired");
        await phone.ReloadAsync();
        await phone.WaitForSelectorAsync("form.login");

        await phone.SignInAsync(TestHost.Police);
        await phone.WaitOnlineAsync();
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task AdminEndsAPersonsDevice_OnThePersonsPage_ThatDeviceSaysSessieVerlopen()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var phone = await browser.NewPhoneAsync(host);
        await phone.SignInAsync(TestHost.Police);
        await phone.WaitOnlineAsync();
        var admin = await browser.NewPhoneAsync(host);
        await admin.SignInAsync(TestHost.Admin);

        await admin.GotoAsync("/#/beheer/people");
        using var api = await host.ApiAsync(TestHost.Police);
        var policeName = (await api.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("name").GetString()!;
        await admin.Locator("tr", new() { HasText = policeName }).Locator("button.secondary").ClickAsync();
        var devices = admin.Locator("[data-testid=person-devices] [data-testid=device]");
        await Assertions.Expect(devices).ToHaveCountAsync(1);
        await admin.ScreenshotAsync("admin-person-devices");
        admin.Dialog += (_, dialog) => dialog.AcceptAsync();
        await devices.Locator("[data-testid=end-device]").ClickAsync();
        await Assertions.Expect(admin.Locator("[data-testid=person-devices]")).ToContainTextAsync("Geen ingelogde apparaten.");

        await Assertions.Expect(phone.Locator("[data-testid=session-expired]")).ToHaveTextAsync(SessionExpired, new() { Timeout = 15_000 });
        await Assertions.Expect(phone.Locator("#connection")).ToBeHiddenAsync();
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task AdminEndsEverySessionOfAPerson_ThePhoneSaysSessieVerlopen_AndTheCliTokenStops()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var phone = await browser.NewPhoneAsync(host);
        await phone.SignInAsync(TestHost.Police);
        await phone.WaitOnlineAsync();
        using var cli = await host.ApiAsync(TestHost.Police); // a password sign-in, as the CLI has
        var policeName = (await cli.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("name").GetString()!;
        var admin = await browser.NewPhoneAsync(host);
        await admin.SignInAsync(TestHost.Admin);

        await admin.GotoAsync("/#/beheer/people");
        await admin.Locator("tr", new() { HasText = policeName }).Locator("button.secondary").ClickAsync();
        admin.Dialog += (_, dialog) => dialog.AcceptAsync();
        await admin.ClickAsync("[data-testid=end-all-sessions]");
        await Assertions.Expect(admin.Locator("[data-testid=person-devices]")).ToContainTextAsync("Alle sessies beëindigd (1 apparaten afgemeld).");
        await Assertions.Expect(admin.Locator("[data-testid=person-devices]")).ToContainTextAsync("Geen ingelogde apparaten.");

        await Assertions.Expect(phone.Locator("[data-testid=session-expired]")).ToHaveTextAsync(SessionExpired, new() { Timeout = 15_000 });
        await Eventually.TrueAsync(async () => (await cli.GetAsync("/api/me")).StatusCode == System.Net.HttpStatusCode.Unauthorized, "the password token refused");
        Assert.Empty(browser.PageErrors);
    }
}
