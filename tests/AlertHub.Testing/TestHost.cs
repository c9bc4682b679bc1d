using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Testing;

/// <summary>
/// The real AlertHub (its own Program, wwwroot included) on Kestrel at a loopback port, with the demo network
/// loaded, on SQLite in a temporary folder or — with <c>ALERTHUB_TEST_DB=postgres</c> — on a database of the
/// run's PostgreSQL server. Its clock is never the real date: a <see cref="FakeTimeProvider"/> the test moves,
/// or by default <see cref="TestClock.Running"/>. Services can be replaced (fault injection, fakes). Settings that
/// turn Twilio on without a <c>Twilio:PublicBaseUrl</c> get the host's own address there. Dispose
/// stops it and deletes the folder unless the test passed one (restart tests reuse it).
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string DemoPassword = "Demo-2026!";

    /// <summary>
    /// Settings that keep the SMS fallback and the escalation from firing during a test (an hour away), for tests
    /// about something else that a timer would otherwise change under them; <paramref name="more"/> is added.
    /// </summary>
    public static Dictionary<string, string?> QuietTimers(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Alerts:SmsFallbackAfter"] = "01:00:00",
            ["Alerts:EscalateAfter"] = "01:00:00",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }
    public const string Coordinator = "coordinator@demo.alerthub.test";
    public const string Coordinator2 = "coordinator2@demo.alerthub.test";
    public const string Police = "politie@demo.alerthub.test";
    public const string YouthWork = "jongerenwerk@demo.alerthub.test";
    public const string Enforcement = "handhaving@demo.alerthub.test";
    public const string Ambassador = "jeugdambassadeur@demo.alerthub.test";
    public const string TeamLead = "teamlead@demo.alerthub.test";
    public const string Admin = "admin@demo.alerthub.test";
    public const string HaaglandenCoordinator = "coordinator@haaglanden.alerthub.test";
    public const string HaaglandenPolice = "politie@haaglanden.alerthub.test";

    private readonly Factory _factory;
    private readonly bool _ownsDirectory;
    private readonly List<IAsyncDisposable> _connections = [];
    private bool _disposed;

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
    public IServiceProvider Services => _factory.Services;

    /// <summary>The host's clock when the test moves it; null when it runs by itself.</summary>
    public FakeTimeProvider? Time => _factory.Clock as FakeTimeProvider;

    /// <summary>The host's clock, whichever kind.</summary>
    public TimeProvider Clock => _factory.Clock;

    /// <summary>Now, as the host sees it (not the real date).</summary>
    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <param name="dataDirectory">Reuse a folder (and database) of an earlier host: a restart or a second node.</param>
    /// <param name="time">The host's clock; default <see cref="TestClock.Running"/>.</param>
    /// <param name="settings">Configuration overrides, as <c>Section:Key</c>.</param>
    /// <param name="services">Service overrides, applied after the application's own (fakes, fault injection).</param>
    /// <param name="port">A fixed port (a restarted server on the same address); 0 = a free one.</param>
    public static Task<TestHost> StartAsync(
        string? dataDirectory = null,
        TimeProvider? time = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        int port = 0)
    {
        // A free port picked for the hub's own public URL can be taken by another test before Kestrel binds it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return StartOnceAsync(dataDirectory, time, settings, services, port);
            }
            catch (Exception e) when (port == 0 && attempt < 3 && IsAddressInUse(e))
            {
            }
        }
    }

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                return true;
            }
        }
        return false;
    }

    private static Task<TestHost> StartOnceAsync(
        string? dataDirectory, TimeProvider? time, IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services, int port)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("alerthub-test-").FullName;
        settings ??= new Dictionary<string, string?>();
        if (NeedsOwnPublicUrl(settings))
        {
            // The address goes into the settings, so it must be known before the host starts.
            port = port == 0 ? FreePort.Next() : port;
            settings = WithOwnPublicUrl(settings, new Uri($"http://127.0.0.1:{port}"));
        }
        var factory = new Factory(dataDirectory, port, time ?? TestClock.Running(), settings, services);
        factory.UseKestrel(port);
        try
        {
            factory.StartServer();
        }
        catch
        {
            // A host that refused to start (tests of start-up validation) leaves nothing behind either.
            factory.Dispose();
            if (owns)
            {
                TryDelete(dataDirectory);
            }
            throw;
        }
        return Task.FromResult(new TestHost(factory, dataDirectory, owns));
    }

    /// <summary>
    /// Twilio on requires <c>Twilio:PublicBaseUrl</c> (checked at start-up). Settings that turn Twilio on and leave
    /// it out or null (<see cref="FakeTwilio.HubSettings"/>) mean "this hub": the hub's own address is filled in, so
    /// status callbacks and replies go straight to it. An empty string stays empty (a start that must fail).
    /// </summary>
    internal static IReadOnlyDictionary<string, string?> WithOwnPublicUrl(IReadOnlyDictionary<string, string?> settings, Uri self) =>
        NeedsOwnPublicUrl(settings)
            ? new Dictionary<string, string?>(settings) { ["Twilio:PublicBaseUrl"] = self.ToString() }
            : settings;

    private static bool NeedsOwnPublicUrl(IReadOnlyDictionary<string, string?> settings) =>
        !string.IsNullOrEmpty(settings.GetValueOrDefault("Twilio:AccountSid"))
        && settings.GetValueOrDefault("Twilio:PublicBaseUrl") is null;

    public HttpClient CreateHttp(HttpMessageHandler? handler = null) =>
        new(handler ?? new SocketsHttpHandler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<AlertHubClient> LoginAsync(string email, string password = DemoPassword)
    {
        var client = new AlertHubClient(CreateHttp());
        await client.LoginAsync(email, password);
        return client;
    }

    /// <summary>A plain HTTP client signed in as <paramref name="email"/>, for requests the client library does not make.</summary>
    public async Task<HttpClient> ApiAsync(string email, string password = DemoPassword)
    {
        var http = CreateHttp();
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Signs in, connects to the hub and records everything the hub sends.</summary>
    public async Task<Listener> ListenAsync(string email)
    {
        var client = await LoginAsync(email);
        var listener = new Listener(client);
        await listener.Connection.StartAsync();
        _connections.Add(listener);
        return listener;
    }

    /// <summary>
    /// A test's own work on the database. It may write around the change tracker (ExecuteUpdate), which the
    /// product never does to the directory without raising its version, so the version is raised here after it:
    /// the nodes' routing then reads what the test wrote (People/DirectoryCache).
    /// </summary>
    internal async Task<T> WithDbAsync<T>(Func<AlertHubDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var result = await work(db);
        await AlertHub.People.DirectoryCache.BumpAsync(db, CancellationToken.None);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        await _factory.DisposeAsync();
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
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

    private sealed class Factory(string dataDirectory, int port, TimeProvider clock, IReadOnlyDictionary<string, string?> settings,
        Action<IServiceCollection>? extraServices)
        : WebApplicationFactory<Program>
    {
        public TimeProvider Clock => clock;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("urls", $"http://127.0.0.1:{port}");
            builder.UseSetting("Demo:Enabled", "true");
            // Tests sign in dozens of times a minute from one address; AbuseLimitTests checks the real limits.
            builder.UseSetting("Security:LoginPerMinute", "1000");
            builder.UseSetting("Security:ApiPerMinute", "10000");
            // Many tests raise dozens of alerts as one coordinator on a clock that does not move; RaiseBurstTests
            // checks the burst limit with its default.
            builder.UseSetting("Security:RaiseBurst", "100000");
            // Tests that move the clock past 07:00 would otherwise get the opening check's pushes and SMS among their
            // own; OpeningCheckTests turns it on (Readiness:Enabled=true).
            builder.UseSetting("Readiness:Enabled", "false");
            if (PostgresServer.Requested)
            {
                // The same directory means the same database, so restart and two-node tests work alike.
                var name = "alerthub_" + Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(
                    System.Text.Encoding.UTF8.GetBytes(dataDirectory)))[..16].ToLowerInvariant();
                builder.UseSetting("Database:Provider", "Postgres");
                builder.UseSetting("ConnectionStrings:AlertHub", PostgresServer.Instance.Database(name));
            }
            else
            {
                builder.UseSetting("ConnectionStrings:AlertHub", $"Data Source={Path.Combine(dataDirectory, "alerthub.db")};Default Timeout=30");
            }
            builder.UseSetting("Sms:OutboxPath", Path.Combine(dataDirectory, "sms-outbox.jsonl"));
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
            builder.ConfigureServices(services =>
            {
                // Fast hashing keeps host start-up (13 demo accounts) quick; production keeps the default.
                services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1000);
                services.AddSingleton<TimeProvider>(clock);
                extraServices?.Invoke(services);
            });
        }
    }
}
