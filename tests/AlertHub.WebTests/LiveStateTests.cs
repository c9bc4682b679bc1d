using System.Text.Json;
using AlertHub.Client;
using AlertHub.WebTests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

using AlertHub.Testing;

namespace AlertHub.WebTests;

/// <summary>CONTRACT v2 in the browser: versions keep the newest state on screen, the change feed brings what was missed.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveStateTests(BrowserFixture browser)
{
    // No SMS fallback or escalation during a test: every version comes from what the test does.
    private static readonly Dictionary<string, string?> QuietTimers = TestHost.QuietTimers();

    [Fact]
    public async Task RepeatedAndOlderAlertUpdated_DoNotOverwriteTheNewerStateOnScreen()
    {
        var replay = new PushReplay();
        await using var host = await TestHost.StartAsync(settings: QuietTimers, services: replay.Install);
        // Gets the same pushes as the coordinator's page (both follow the alert): shows the old ones did arrive.
        var watcher = await host.ListenAsync(TestHost.TeamLead);
        var partner = await browser.NewPhoneAsync(host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitOnlineAsync();
        var coordinator = await browser.NewPhoneAsync(host);
        await coordinator.SignInAsync(TestHost.Coordinator);
        await coordinator.WaitOnlineAsync();

        await coordinator.ClickAsync("[data-testid=raise]");
        var status = coordinator.Locator("[data-testid=alert-live] [data-testid=alert-status]");
        await Assertions.Expect(status).ToHaveTextAsync("Open");
        await partner.WaitForSelectorAsync("[data-testid=alert-card].alert-open");
        var alertId = Guid.Parse((await partner.GetAttributeAsync("[data-testid=alert-card]", "data-alert-id"))!);

        await partner.ClickAsync("[data-testid=alert-card] button.answer-on_my_way");
        await partner.WaitForSelectorAsync("[data-testid=your-answer]");
        var police = coordinator.Locator("[data-testid=alert-live] .recipient", new() { HasText = "Politie" });
        await Assertions.Expect(police.Locator("[data-testid=response]")).ToContainTextAsync("Onderweg");
        await Eventually.TrueAsync(() => ArrivedAfter(watcher, alertId, a => a.Recipients.Any(r => r.Response is not null)),
            "a version without the answer pushed after the one with it");
        await Task.Delay(500);
        await Assertions.Expect(police.Locator("[data-testid=response]")).ToContainTextAsync("Onderweg");
        await Assertions.Expect(partner.Locator("[data-testid=your-answer]")).ToContainTextAsync("Onderweg");

        using var coordinatorApi = await host.ApiAsync(TestHost.Coordinator);
        (await coordinatorApi.PostAsync($"/api/alerts/{alertId}/resolve", JsonContent("{\"outcome\":\"Groep vertrokken\"}"))).EnsureSuccessStatusCode();
        await Assertions.Expect(status).ToHaveTextAsync("Afgehandeld");
        await Eventually.TrueAsync(() => ArrivedAfter(watcher, alertId, a => a.Status == AlertStatus.Resolved),
            "an open version pushed after the resolved one");
        await Task.Delay(500);
        await Assertions.Expect(status).ToHaveTextAsync("Afgehandeld");
        await Assertions.Expect(coordinator.Locator("form.panel")).ToHaveCountAsync(0);
        var card = partner.Locator("[data-testid=alert-card]");
        await Assertions.Expect(card.Locator("[data-testid=alert-status]")).ToHaveTextAsync("Afgehandeld");
        await Assertions.Expect(card.Locator("button.answer")).ToHaveCountAsync(0);
        Assert.True(replay.Repeated > 0 && replay.Stale > 0, $"repeated {replay.Repeated}, stale {replay.Stale}");
        await coordinator.ScreenshotAsync("coordinator-resolved-after-stale-pushes");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Coordinator_SpeaksMessagePack_AndHearsAReceiptAsTheChangedRecipientOnly()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var page = await browser.NewPhoneAsync(host);
        var sockets = new List<string>();
        var handshakes = new List<string>();
        var heard = new List<JsonElement>();
        var sent = new List<JsonElement>();
        page.WebSocket += (_, socket) =>
        {
            lock (heard)
            {
                sockets.Add(socket.Url);
            }
            socket.FrameSent += (_, frame) =>
            {
                lock (heard)
                {
                    if (frame.Text?.Contains("\"protocol\"", StringComparison.Ordinal) == true)
                    {
                        handshakes.Add(frame.Text);
                    }
                    sent.AddRange(HubFrames.Invocations(frame.Text, frame.Binary));
                }
            };
            socket.FrameReceived += (_, frame) =>
            {
                lock (heard)
                {
                    heard.AddRange(HubFrames.Invocations(frame.Text, frame.Binary));
                }
            };
        };
        await page.SignInAsync(TestHost.Coordinator);
        await page.WaitOnlineAsync();
        var police = await host.ListenAsync(TestHost.Police);
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync(new RaiseAlertRequest(Note: "ontvangst als delta"));
        int socketsAtClick;
        lock (heard)
        {
            socketsAtClick = sockets.Count;
        }
        await page.ClickAsync($"a.card[data-alert-id='{alert.Id}']");
        var row = page.Locator("[data-testid=alert-live] .recipient", new() { HasText = "Politie" });
        await Assertions.Expect(row).ToBeVisibleAsync();

        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        // Opening the alert starts the screen again, with a connection of its own that reads the feed once it is up:
        // wait for that connection and its read, so what is counted below is only what the receipt caused.
        int sentBefore = 0;
        for (var i = 0; i < 100; i++)
        {
            lock (heard)
            {
                sentBefore = sent.Count;
                if (sockets.Count > socketsAtClick
                    && sent.Count(m => m.GetProperty("target").GetString() == "GetChangesSince") >= sockets.Count)
                {
                    break;
                }
            }
            await Task.Delay(100);
        }
        await police.Connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
        await Assertions.Expect(row).ToContainTextAsync("ontvangen");

        static bool About(JsonElement m, string target, string idField, Guid id) =>
            m.GetProperty("target").GetString() == target && m.GetProperty("arguments")[0].GetProperty(idField).GetGuid() == id;
        lock (heard)
        {
            Assert.Contains(handshakes, h => h.Contains("\"messagepack\"", StringComparison.Ordinal));
            Assert.NotEmpty(sockets);
            Assert.All(sockets, url => Assert.Contains("deltas=1", url, StringComparison.Ordinal));
            // The receipt came as the changed recipient, never as the whole alert.
            var delta = Assert.Single(heard, m => About(m, "AlertRecipientsChanged", "alertId", alert.Id)).GetProperty("arguments")[0];
            Assert.Equal("received", delta.GetProperty("recipients")[0].GetProperty("delivery").GetString());
            Assert.Equal(delta.GetProperty("version").GetInt64() - 1, delta.GetProperty("baseVersion").GetInt64());
            Assert.DoesNotContain(heard, m => About(m, "AlertUpdated", "id", alert.Id));
            // And the page took it as it came: it did not need to read the change feed for it.
            Assert.False(sent.Skip(sentBefore).Any(m => m.GetProperty("target").GetString() == "GetChangesSince"),
                $"the page read the feed ({sockets.Count} sockets, sent {string.Join(",", sent.Select(m => m.GetProperty("target").GetString()))}, before {sentBefore}); it heard: " + string.Join(" | ", heard.Select(m => m.GetRawText()[..Math.Min(300, m.GetRawText().Length)])));
        }
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Coordinator_ConnectionDropped_AlertResolvedMeanwhile_ShowsResolvedAfterReconnect_ThroughTheChangeFeed()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var coordinatorClient = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinatorClient.RaiseAsync(new RaiseAlertRequest(Note: "wordt afgehandeld terwijl de pagina weg is"));

        var page = await browser.NewPhoneAsync(host);
        var hubCalls = new List<JsonElement>();
        var requests = new List<string>();
        page.WebSocket += (_, socket) => socket.FrameSent += (_, frame) =>
        {
            lock (hubCalls)
            {
                hubCalls.AddRange(HubFrames.Invocations(frame.Text, frame.Binary));
            }
        };
        page.Request += (_, request) =>
        {
            lock (requests)
            {
                requests.Add($"{request.Method} {new Uri(request.Url).PathAndQuery}");
            }
        };
        await page.SignInAsync(TestHost.Coordinator);
        await page.WaitOnlineAsync();
        await page.ClickAsync($"a.card[data-alert-id='{alert.Id}']");
        var status = page.Locator("[data-testid=alert-live] [data-testid=alert-status]");
        await Assertions.Expect(status).ToHaveTextAsync("Open");

        await page.Context.SetOfflineAsync(true);
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("Offline — opnieuw verbinden…");
        int callsBefore, requestsBefore;
        lock (hubCalls)
        {
            callsBefore = hubCalls.Count;
        }
        lock (requests)
        {
            requestsBefore = requests.Count;
        }
        await (await host.LoginAsync(TestHost.TeamLead)).ResolveAsync(alert.Id, "Rustig verlopen");
        await Task.Delay(500);
        await Assertions.Expect(status).ToHaveTextAsync("Open");

        await page.Context.SetOfflineAsync(false);
        await Assertions.Expect(status).ToHaveTextAsync("Afgehandeld", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#connection")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("form.panel")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("coordinator-resolved-while-offline");

        List<JsonElement> after;
        lock (hubCalls)
        {
            Assert.DoesNotContain(hubCalls, c => c.GetProperty("target").GetString() == "GetAlertsSince");
            after = hubCalls.Skip(callsBefore).ToList();
        }
        // From the cursor of the first read, not from the beginning, and no alert re-read over HTTP.
        Assert.Contains(after, c => c.GetProperty("target").GetString() == "GetChangesSince"
            && c.GetProperty("arguments")[0].ValueKind == JsonValueKind.String);
        lock (requests)
        {
            Assert.DoesNotContain(requests.Skip(requestsBefore), r => r.StartsWith("GET /api/alerts", StringComparison.Ordinal));
        }
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task Coordinator_RaiseAnsweredAsARepeat_ShowsTheAlertsCurrentStatus_NotSent()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        var page = await browser.NewPhoneAsync(host);
        await page.SignInAsync(TestHost.Coordinator);
        await page.WaitOnlineAsync();

        // The first attempt is stored, but its answer is lost (503 to the page) while the alert gets resolved:
        // the page's retry with the same key gets 200 and the alert as it stands now.
        var intercepted = 0;
        await page.RouteAsync("**/api/alerts", async route =>
        {
            if (route.Request.Method != "POST" || Interlocked.Exchange(ref intercepted, 1) == 1)
            {
                await route.ContinueAsync();
                return;
            }
            var stored = await route.FetchAsync();
            var id = (await stored.JsonAsync())!.Value.GetProperty("id").GetGuid();
            await teamLead.ResolveAsync(id, "Loos alarm, rustig");
            await route.FulfillAsync(new() { Status = 503 });
        });

        await page.ClickAsync("[data-testid=raise]");
        await Assertions.Expect(page.Locator("[data-testid=raise-result]"))
            .ToHaveTextAsync("Deze melding was al verstuurd. Status nu: Afgehandeld", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("[data-testid=alert-live] [data-testid=alert-status]")).ToHaveTextAsync("Afgehandeld");
        await Assertions.Expect(page.Locator("[data-testid=undo]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("Melding verstuurd")).ToHaveCountAsync(0);
        Assert.Single(await teamLead.ListAlertsAsync(status: null));
        await page.ScreenshotAsync("coordinator-raise-repeat");
        Assert.Empty(browser.PageErrors);
    }

    /// <summary>Whether, after an AlertUpdated of the alert matching <paramref name="newer"/>, one not matching it came.</summary>
    private static bool ArrivedAfter(Listener watcher, Guid alertId, Func<AlertDto, bool> newer) =>
        watcher.Events.Where(e => e.Alert.Id == alertId).Select(e => e.Alert)
            .SkipWhile(a => !newer(a)).Any(a => !newer(a));

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
