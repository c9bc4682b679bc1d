using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Testing;
using AlertHub.WebTests.Support;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AlertHub.WebTests;

/// <summary>
/// Issue 14: axe-core on every screen, on a phone, with real data on it — 0 serious and 0 critical violations
/// (WCAG 2.1 A/AA rules). A failure names the rule and the elements.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CoordinatorAndPartnerScreens_HaveNoSeriousOrCriticalViolations()
    {
        var page = await browser.NewPhoneAsync(_host);
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("form.login");
        await AssertAccessibleAsync(page, "sign-in");

        // A closed and an open alert in the partner's inbox (closed cards were below the contrast minimum).
        using (var api = await _host.ApiAsync(TestHost.Coordinator))
        {
            var closed = await RaiseAsync(api);
            (await api.PostAsync($"/api/alerts/{closed}/cancel", null)).EnsureSuccessStatusCode();
            await RaiseAsync(api);
        }

        var partner = await browser.NewPhoneAsync(_host);
        await partner.SignInAsync(TestHost.Police);
        await partner.WaitForSelectorAsync("[data-testid=alert-card].alert-open");
        await AssertAccessibleAsync(partner, "partner inbox");

        await page.SignInAsync(TestHost.Coordinator);
        await page.WaitForSelectorAsync("[data-testid=raise]");
        await AssertAccessibleAsync(page, "coordinator home");

        // The big button, reached with the keyboard, shows a focus ring of at least 3 px.
        for (var i = 0; i < 30 && !await page.EvaluateAsync<bool>("document.activeElement?.dataset?.testid === 'raise'"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }
        var outline = await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineWidth");
        Assert.True(double.Parse(outline.Replace("px", ""), System.Globalization.CultureInfo.InvariantCulture) >= 3, $"focus ring {outline}");

        await partner.WaitOnlineAsync();
        await page.ClickAsync("[data-testid=raise]");
        await page.WaitForSelectorAsync("[data-testid=alert-live]");
        await AssertAccessibleAsync(page, "coordinator live alert");
        // A screen reader on the partner's phone hears the new alert.
        await Assertions.Expect(partner.Locator("[data-testid=announcer]")).ToContainTextAsync("Nieuwe melding: Dreigende situatie bij Demo College Zaandam");
        Assert.Empty(browser.PageErrors);
    }

    [Fact]
    public async Task TeamLeadAndAdminScreens_HaveNoSeriousOrCriticalViolations()
    {
        using (var api = await _host.ApiAsync(TestHost.Coordinator))
        {
            await RaiseAsync(api);
        }
        var page = await browser.NewPhoneAsync(_host);
        await page.SignInAsync(TestHost.TeamLead);
        await page.GotoAsync("/#/evaluaties");
        await page.WaitForSelectorAsync("main a[href^='#/evaluatie/']");
        await AssertAccessibleAsync(page, "evaluations");
        await page.ClickAsync("main a[href^='#/evaluatie/']");
        await page.WaitForSelectorAsync("textarea");
        await AssertAccessibleAsync(page, "evaluation");
        await page.GotoAsync("/#/actiepunten");
        await page.WaitForSelectorAsync("main h2");
        await AssertAccessibleAsync(page, "action items");
        await page.GotoAsync("/#/dashboard");
        await page.WaitForSelectorAsync("canvas");
        await AssertAccessibleAsync(page, "dashboard");
        // Every chart is a named image with its figures as a table.
        await Assertions.Expect(page.Locator("canvas[role=img][aria-labelledby]")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("details.chart-table table")).ToHaveCountAsync(4);
        await page.Locator("[data-testid=chart-per-school] details.chart-table summary").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=chart-per-school] table")).ToContainTextAsync("Demo College Zaandam");

        var admin = await browser.NewPhoneAsync(_host);
        await admin.SignInAsync(TestHost.Admin);
        foreach (var tab in new[] { "regions", "people", "roster", "flagged" })
        {
            await admin.GotoAsync($"/#/beheer/{tab}");
            await admin.WaitForSelectorAsync("main table, main [role=alert], main .message");
            await AssertAccessibleAsync(admin, $"admin {tab}");
        }
        await admin.GotoAsync("/#/import");
        await admin.WaitForSelectorAsync("textarea[name=data]");
        await AssertAccessibleAsync(admin, "import");
        Assert.Empty(browser.PageErrors);
    }

    private async Task AssertAccessibleAsync(IPage page, string screen)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        foreach (var violation in result.Violations)
        {
            output.WriteLine($"{screen}: {violation.Impact} {violation.Id}: {string.Join(" | ", violation.Nodes.Take(4).Select(n => string.Join(" ", n.Target) + " " + n.Html))}");
        }
        Assert.True(bad.Count == 0, $"{screen}: " + string.Join("; ", bad.Select(v =>
            $"{v.Impact} {v.Id} ({v.Help}) at {string.Join(", ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target)))}")));
        await AssertTapTargetsAsync(page, screen);
    }

    /// <summary>
    /// Every control on the screen can be hit with a thumb: at least 44 × 44 CSS px (v1 had 20–24 px). A link
    /// inside running text is the one exception WCAG makes; a checkbox counts with its label.
    /// </summary>
    private static async Task AssertTapTargetsAsync(IPage page, string screen)
    {
        var small = await page.EvaluateAsync<string[]>("""
            () => {
              const small = [];
              for (const el of document.querySelectorAll('button, a[href], input, select, textarea, summary')) {
                if (el.type === 'hidden' || el.closest('[hidden]') || getComputedStyle(el).visibility === 'hidden') continue;
                if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') continue;
                const target = (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') || el) : el;
                const box = target.getBoundingClientRect();
                if (box.width <= 1 || box.height <= 1) continue;
                if (box.width < 44 || box.height < 44) {
                  small.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? '[' + el.dataset.testid + ']' : ''} "${(el.textContent || el.name || '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
                }
              }
              return small;
            }
            """);
        Assert.True(small.Length == 0, $"{screen}: tap targets under 44 px: " + string.Join("; ", small));
    }

    private static async Task<string> RaiseAsync(HttpClient coordinator)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } } };
        var response = await coordinator.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
