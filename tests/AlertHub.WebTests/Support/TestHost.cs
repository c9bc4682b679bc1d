using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.WebTests.Support;

/// <summary>
/// The real AlertHub (its own Program, wwwroot included) on Kestrel at a free loopback port, with a
/// SQLite file in a temporary directory and the demo network loaded. Copied from AlertHub.Tests.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string DemoPassword = "Demo-2026!";
    public const string Coordinator = "coordinator@demo.alerthub.test";
    public const string Police = "politie@demo.alerthub.test";
    public const string TeamLead = "teamlead@demo.alerthub.test";
    public const string Admin = "admin@demo.alerthub.test";

    private readonly Factory _factory;

    private TestHost(Factory factory, string dataDirectory)
    {
        _factory = factory;
        DataDirectory = dataDirectory;
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.First());
    }

    public Uri BaseAddress { get; }
    public string DataDirectory { get; }

    public static Task<TestHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("alerthub-web-").FullName;
        var factory = new Factory(dataDirectory, settings ?? new Dictionary<string, string?>());
        factory.UseKestrel(0);
        factory.StartServer();
        return Task.FromResult(new TestHost(factory, dataDirectory));
    }

    /// <summary>An HTTP client signed in as <paramref name="email"/>, for arranging what the browser then sees.</summary>
    public async Task<HttpClient> ApiAsync(string email)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password = DemoPassword });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled connection is left to the OS temp cleaner.
        }
    }

    private sealed class Factory(string dataDirectory, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("urls", "http://127.0.0.1:0");
            builder.UseSetting("Demo:Enabled", "true");
            // Tests sign in dozens of times a minute from one address; RateLimitTests checks the real limits.
            builder.UseSetting("Security:LoginPerMinute", "1000");
            builder.UseSetting("Security:ApiPerMinute", "10000");
            builder.UseSetting("ConnectionStrings:AlertHub", $"Data Source={Path.Combine(dataDirectory, "alerthub.db")};Default Timeout=30");
            builder.UseSetting("Sms:OutboxPath", Path.Combine(dataDirectory, "sms-outbox.jsonl"));
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
            builder.ConfigureServices(services => services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1000));
        }
    }
}
