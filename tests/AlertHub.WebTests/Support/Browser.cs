using Microsoft.Playwright;

using AlertHub.Testing;

namespace AlertHub.WebTests.Support;

/// <summary>
/// One headless Debian chromium for all browser tests (never a downloaded browser build). Each test
/// opens its own contexts, which are separate "devices" with their own sessionStorage.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (apt-get install chromium).");
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        });
    }

    /// <summary>A phone-sized device (390×844) that points at <paramref name="host"/>.</summary>
    public async Task<IPage> NewPhoneAsync(TestHost host)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            HasTouch = true,
            Locale = "nl-NL",
            TimezoneId = "Europe/Amsterdam",
        });
        context.SetDefaultTimeout(10_000);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => PageErrors.Add(error);
        return page;
    }

    /// <summary>Uncaught script errors of any page; a test fails when there are some.</summary>
    public List<string> PageErrors { get; } = [];

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

public static class PageExtensions
{
    public static async Task SignInAsync(this IPage page, string email, string password = TestHost.DemoPassword)
    {
        await page.GotoAsync("/");
        await page.FillAsync("input[name=email]", email);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("form.login button[type=submit]");
        await page.WaitForSelectorAsync("#nav a");
    }

    /// <summary>
    /// A DevTools session on the page and its service worker's registration id, for
    /// <c>ServiceWorker.deliverPushMessage</c> (a push as the push service would bring it; none is reachable here).
    /// </summary>
    public static async Task<(ICDPSession Cdp, string RegistrationId)> ServiceWorkerAsync(this IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        var registration = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("ServiceWorker.workerRegistrationUpdated").OnEvent += (_, e) =>
        {
            foreach (var r in e!.Value.GetProperty("registrations").EnumerateArray())
            {
                if (!r.GetProperty("isDeleted").GetBoolean())
                {
                    registration.TrySetResult(r.GetProperty("registrationId").GetString()!);
                }
            }
        };
        await cdp.SendAsync("ServiceWorker.enable");
        return (cdp, await registration.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Delivers a push payload to the page's service worker, as the push service would.</summary>
    public static Task DeliverPushAsync(this ICDPSession cdp, TestHost host, string registrationId, string payload) =>
        cdp.SendAsync("ServiceWorker.deliverPushMessage", new()
        {
            ["origin"] = host.BaseAddress.ToString().TrimEnd('/'), ["registrationId"] = registrationId, ["data"] = payload,
        });

    /// <summary>Waits until the page's hub connection is up (the app marks it on the body).</summary>
    public static Task WaitOnlineAsync(this IPage page) => page.WaitForSelectorAsync("body[data-connection=online]", new() { State = WaitForSelectorState.Attached });

    /// <summary>Saves a screenshot next to the TRX results: TestResults/screenshots/NAME.png at the repository root.</summary>
    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    private static string FindScreenshotDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AlertHub.sln")))
        {
            directory = directory.Parent;
        }
        var root = directory?.FullName ?? AppContext.BaseDirectory;
        var path = Path.Combine(root, "TestResults", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}
