using System.Net;
using System.Net.Sockets;
using AlertHub.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AlertClient.Tests.Support;

/// <summary>
/// The real AlertHub on Kestrel on loopback with a SQLite file in a directory, demo network loaded (a copy of
/// AlertHub.Tests' helper). A fixed <c>port</c> and <c>dataDirectory</c> let a test "restart the server".
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string DemoPassword = "Demo-2026!";
    public const string Coordinator = "coordinator@demo.alerthub.test";
    public const string Police = "politie@demo.alerthub.test";

    private readonly Factory _factory;
    private readonly bool _ownsDirectory;

    private TestHost(Factory factory, string dataDirectory, bool ownsDirectory)
    {
        _factory = factory;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.First());
    }

    public Uri BaseAddress { get; }
    public string DataDirectory { get; }

    public static Task<TestHost> StartAsync(string? dataDirectory = null, int port = 0)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("alertclient-test-").FullName;
        var factory = new Factory(dataDirectory, port);
        factory.UseKestrel(port);
        factory.StartServer();
        return Task.FromResult(new TestHost(factory, dataDirectory, owns));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public HttpClient CreateHttp(HttpMessageHandler? handler = null) =>
        new(handler ?? new SocketsHttpHandler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<AlertHubClient> LoginAsync(string email, string password = DemoPassword)
    {
        var client = new AlertHubClient(CreateHttp());
        await client.LoginAsync(email, password);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsDirectory)
        {
            TryDelete(DataDirectory);
        }
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled connection is left to the OS temp cleaner.
        }
    }

    private sealed class Factory(string dataDirectory, int port) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("urls", $"http://127.0.0.1:{port}");
            builder.UseSetting("Demo:Enabled", "true");
            // Tests sign in dozens of times a minute from one address; RateLimitTests checks the real limits.
            builder.UseSetting("Security:LoginPerMinute", "1000");
            builder.UseSetting("Security:ApiPerMinute", "10000");
            builder.UseSetting("ConnectionStrings:AlertHub", $"Data Source={Path.Combine(dataDirectory, "alerthub.db")};Default Timeout=30");
            builder.UseSetting("Sms:OutboxPath", Path.Combine(dataDirectory, "sms-outbox.jsonl"));
            // Fast hashing keeps host start-up (13 demo accounts) quick; production keeps the default.
            builder.ConfigureServices(services => services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1000));
        }
    }
}

/// <summary>Polls until a condition holds; fails with <paramref name="what"/> after the timeout.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for: " + what);
            }
            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);
}
