using System.Text.Json;
using AlertHub.Client;
using AlertHub.Testing;
using AlertHub.WebTests.Support;
using Microsoft.Playwright;

namespace AlertHub.WebTests;

/// <summary>
/// Issue 14: with the app not on the inbox (closed or elsewhere), a Web Push delivered to the service worker
/// (through the DevTools Protocol: no real push service is reachable here) shows a notification that needs an
/// answer, with Onderweg and Gezien, and confirms receipt on its own. And the SMS link opens its alert.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebPushBrowserTests(BrowserFixture browser)
{
    private static readonly Dictionary<string, string?> QuietTimers = TestHost.QuietTimers();

    [Fact]
    public async Task APushToTheServiceWorker_ShowsTheNotificationWithItsAnswers_AndConfirmsReceipt()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var page = await PartnerAwayFromTheInboxAsync(host);

        var (cdp, registrationId) = await page.ServiceWorkerAsync();

        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var payload = JsonSerializer.Serialize(new
        {
            type = "alert", alertId = alert.Id, sequence = alert.Sequence, version = alert.Version, schoolName = alert.SchoolName,
            kind = "weapon", raisedAt = alert.RaisedAt, drill = false, url = $"/#/melding/{alert.Id}",
        });
        await cdp.DeliverPushAsync(host, registrationId, payload);

        var shown = await Eventually.HoldsAsync(
            () => page.EvaluateAsync<JsonElement>("""
                async () => (await (await navigator.serviceWorker.ready).getNotifications())
                  .map((n) => ({ title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction, actions: n.actions.map((a) => a.title) }))
                """),
            n => n.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the notification");
        var notification = shown[0];
        Assert.Equal("AlertHub: Wapen", notification.GetProperty("title").GetString());
        Assert.StartsWith("Demo College Zaandam — ", notification.GetProperty("body").GetString());
        Assert.Equal($"alert-{alert.Id}", notification.GetProperty("tag").GetString());
        Assert.True(notification.GetProperty("requireInteraction").GetBoolean());
        Assert.Equal(["Onderweg", "Gezien"], notification.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));

        // The service worker confirmed receipt by itself: no SMS will be needed for this partner.
        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).ReceivedAt is not null, TimeSpan.FromSeconds(10), "the receipt");

        // "Onderweg" on the notification answers without opening the app. A click is dispatched in the service
        // worker (headless chromium shows no notification to click); its handler sends the answer first.
        var answer = await EvaluateInServiceWorkerAsync(host, """
            (async () => {
              const [notification] = await self.registration.getNotifications();
              const original = self.fetch;
              const answered = new Promise((resolve) => {
                self.fetch = (...args) => {
                  const call = original(...args);
                  if (String(args[0]).endsWith('/acknowledgements')) {
                    call.then((r) => resolve(r.status), (e) => resolve(String(e)));
                  }
                  return call;
                };
              });
              // waitUntil refuses a script-made event (reported as an error after the handler sent the answer), so
              // this waits for the answer itself and keeps the worker alive as waitUntil would.
              self.dispatchEvent(new NotificationEvent('notificationclick', { notification, action: 'on_my_way' }));
              const status = await answered;
              self.fetch = original;
              return `answered ${status}`;
            })()
            """);
        Assert.Equal("answered 200", answer);
        var answered = await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Response is not null, TimeSpan.FromSeconds(10), "the answer from the notification");
        Assert.Equal(AckResponse.OnMyWay, answered.Recipients.Single(r => r.Discipline == Discipline.Police).Response);
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task ANewInstructionPush_RingsAgain_SaysThereIsOne_AndNotWhatItSays()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var page = await PartnerAwayFromTheInboxAsync(host);
        var (cdp, registrationId) = await page.ServiceWorkerAsync();
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();

        await cdp.DeliverPushAsync(host, registrationId, JsonSerializer.Serialize(new
        {
            type = "alert", alertId = alert.Id, sequence = alert.Sequence, version = alert.Version, schoolName = alert.SchoolName,
            kind = "threat", raisedAt = alert.RaisedAt, drill = false, url = $"/#/melding/{alert.Id}", renotify = true, instruction = 1,
        }));
        var shown = await Eventually.HoldsAsync(
            () => page.EvaluateAsync<JsonElement>("async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }))"),
            n => n.GetArrayLength() == 1, TimeSpan.FromSeconds(10), "the notification");
        Assert.Equal("AlertHub: nieuwe instructie — Dreigende situatie", shown[0].GetProperty("title").GetString());
        Assert.Equal("Demo College Zaandam — open AlertHub voor de instructie.", shown[0].GetProperty("body").GetString());
        Assert.Equal($"alert-{alert.Id}", shown[0].GetProperty("tag").GetString());
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task TheSmsLink_OpensItsAlert_AfterSigningIn()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Alerts:SmsFallbackAfter"] = "00:00:01" });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        // The link as the SMS carried it (the local SMS sink is the outbox file).
        var outbox = Path.Combine(host.DataDirectory, "sms-outbox.jsonl");
        await Eventually.TrueAsync(() => File.Exists(outbox) && File.ReadAllText(outbox).Contains("/m/", StringComparison.Ordinal), "an SMS with its link", TimeSpan.FromSeconds(15));
        var code = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(outbox), "/m/([A-Z0-9]+)").Groups[1].Value;

        var page = await browser.NewPhoneAsync(host);
        await page.GotoAsync($"/m/{code}");
        await page.FillAsync("input[name=email]", TestHost.Police);
        await page.FillAsync("input[name=password]", TestHost.DemoPassword);
        await page.ClickAsync("form.login button[type=submit]");
        await Assertions.Expect(page.Locator($"[data-testid=alert-card].focused[data-alert-id='{alert.Id}']")).ToBeVisibleAsync();
        Assert.EndsWith($"#/inbox/{alert.Id}", page.Url);

        var lead = await browser.NewPhoneAsync(host);
        await lead.GotoAsync($"/m/{code}");
        await lead.FillAsync("input[name=email]", TestHost.TeamLead);
        await lead.FillAsync("input[name=password]", TestHost.DemoPassword);
        await lead.ClickAsync("form.login button[type=submit]");
        await Assertions.Expect(lead.Locator("[data-testid=alert-live]")).ToContainTextAsync("Demo College Zaandam");
        Assert.EndsWith($"#/melding/{alert.Id}", lead.Url);
        Assert.Empty(browser.PageErrors);
    }

    /// <summary>
    /// The police officer signed in with notifications allowed and the service worker in control, on the devices
    /// screen: away from the inbox no live connection confirms anything, only the service worker can.
    /// </summary>
    private async Task<IPage> PartnerAwayFromTheInboxAsync(TestHost host)
    {
        var page = await browser.NewPhoneAsync(host);
        await page.Context.GrantPermissionsAsync(["notifications"]);
        await page.SignInAsync(TestHost.Police);
        await page.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null");
        await page.GotoAsync("/#/apparaten");
        return page;
    }

    /// <summary>
    /// Runs a script inside this host's service worker, through the browser's DevTools session (Playwright for .NET has no
    /// handle on service workers): attach to its target, then Runtime.evaluate over Target.sendMessageToTarget.
    /// </summary>
    private async Task<string> EvaluateInServiceWorkerAsync(TestHost host, string expression)
    {
        var cdp = await browser.Browser.NewBrowserCDPSessionAsync();
        var targets = await cdp.SendAsync("Target.getTargets");
        var targetId = targets!.Value.GetProperty("targetInfos").EnumerateArray()
            .First(t => t.GetProperty("type").GetString() == "service_worker"
                && t.GetProperty("url").GetString()!.StartsWith(host.BaseAddress.ToString(), StringComparison.Ordinal)) // other tests' workers live on
            .GetProperty("targetId").GetString()!;
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("Target.receivedMessageFromTarget").OnEvent += (_, e) =>
        {
            var message = JsonDocument.Parse(e!.Value.GetProperty("message").GetString()!).RootElement;
            if (message.TryGetProperty("id", out var id) && id.GetInt32() == 1)
            {
                answer.TrySetResult(message.ToString());
            }
        };
        var attached = await cdp.SendAsync("Target.attachToTarget", new() { ["targetId"] = targetId, ["flatten"] = false });
        var sessionId = attached!.Value.GetProperty("sessionId").GetString()!;
        await cdp.SendAsync("Target.sendMessageToTarget", new()
        {
            ["sessionId"] = sessionId,
            ["message"] = JsonSerializer.Serialize(new { id = 1, method = "Runtime.evaluate", @params = new { expression, awaitPromise = true, returnByValue = true } }),
        });
        var result = JsonDocument.Parse(await answer.Task.WaitAsync(TimeSpan.FromSeconds(15))).RootElement;
        await cdp.DetachAsync();
        return result.GetProperty("result").GetProperty("result").TryGetProperty("value", out var value) ? value.ToString() : result.ToString();
    }
}
