using System.Collections.Concurrent;
using System.Net.Http.Json;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Tests.Support;

/// <summary>
/// The real AlertHub (its own Program) on Kestrel at a free loopback port, with a SQLite file in a
/// temporary directory and the demo network loaded. Dispose deletes the directory unless it was given.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string DemoPassword = "Demo-2026!";
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
    public FakeTimeProvider? Time => _factory.Time;

    public static Task<TestHost> StartAsync(
        string? dataDirectory = null,
        FakeTimeProvider? time = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("alerthub-test-").FullName;
        var factory = new Factory(dataDirectory, time, settings ?? new Dictionary<string, string?>(), services);
        factory.UseKestrel(0);
        factory.StartServer();
        return Task.FromResult(new TestHost(factory, dataDirectory, owns));
    }

    public HttpClient CreateHttp() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<AlertHubClient> LoginAsync(string email, string password = DemoPassword)
    {
        var client = new AlertHubClient(CreateHttp());
        await client.LoginAsync(email, password);
        return client;
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

    internal async Task<T> WithDbAsync<T>(Func<AlertHubDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AlertHubDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        await _factory.DisposeAsync();
        if (_ownsDirectory)
        {
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
    }

    private sealed class Factory(string dataDirectory, FakeTimeProvider? time, IReadOnlyDictionary<string, string?> settings,
        Action<IServiceCollection>? extraServices)
        : WebApplicationFactory<Program>
    {
        public FakeTimeProvider? Time => time;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("urls", "http://127.0.0.1:0");
            builder.UseSetting("Demo:Enabled", "true");
            // Tests sign in dozens of times a minute from one address; RateLimitTests checks the real limits.
            builder.UseSetting("Security:LoginPerMinute", "1000");
            builder.UseSetting("Security:ApiPerMinute", "10000");
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
                if (time is not null)
                {
                    services.AddSingleton<TimeProvider>(time);
                }
                extraServices?.Invoke(services);
            });
        }
    }
}

/// <summary>A signed-in SignalR client that records what the hub pushes and can wait for it.</summary>
public sealed class Listener : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Event, AlertDto Alert)> _events = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ConcurrentQueue<EvaluationDto> _evaluations = new();

    public Listener(AlertHubClient client, bool confirmReceipts = false)
    {
        Client = client;
        Connection = client.CreateHubConnection();
        Connection.On<AlertDto>(HubNames.AlertRaised, alert => Record(HubNames.AlertRaised, alert));
        Connection.On<AlertDto>(HubNames.AlertUpdated, alert => Record(HubNames.AlertUpdated, alert));
        Connection.On<EvaluationDto>(HubNames.EvaluationDue, evaluation =>
        {
            _evaluations.Enqueue(evaluation);
            _signal.Release();
        });
        ConfirmReceipts = confirmReceipts;
    }

    public AlertHubClient Client { get; }
    public HubConnection Connection { get; }
    public bool ConfirmReceipts { get; set; }
    public IReadOnlyList<(string Event, AlertDto Alert)> Events => [.. _events];
    public IReadOnlyList<EvaluationDto> EvaluationsDue => [.. _evaluations];
    public IReadOnlyList<AlertDto> Raised => _events.Where(e => e.Event == HubNames.AlertRaised).Select(e => e.Alert).ToList();

    private async Task Record(string name, AlertDto alert)
    {
        _events.Enqueue((name, alert));
        _signal.Release();
        if (ConfirmReceipts && name == HubNames.AlertRaised)
        {
            await Connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
        }
    }

    /// <summary>Waits until an event matching <paramref name="match"/> has arrived (or fails after the timeout).</summary>
    public async Task<AlertDto> WaitForAsync(string eventName, Func<AlertDto, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var hit = _events.FirstOrDefault(e => e.Event == eventName && match(e.Alert));
            if (hit.Alert is not null)
            {
                return hit.Alert;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _signal.WaitAsync(left))
            {
                throw new TimeoutException($"No {eventName} matching the condition arrived; got {_events.Count} events.");
            }
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}

public static class HttpAssertions
{
    public static async Task<System.Text.Json.JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
    }
}
