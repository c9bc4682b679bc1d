using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AlertHub.Tests.Support;

internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"Nothing listens on 127.0.0.1:{port} after {timeout}.");
    }
}

/// <summary>
/// A real PostgreSQL server for the test run: initdb into a temp directory, started on a free
/// loopback port (as the postgres user when the tests run as root, since PostgreSQL refuses root),
/// stopped when the test process exits. Each test host gets its own database.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Process _process;

    private PostgresServer(Process process, int port)
    {
        _process = process;
        Port = port;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    public static PostgresServer Instance => Shared.Value;

    public static bool Requested => string.Equals(Environment.GetEnvironmentVariable("ALERTHUB_TEST_DB"), "postgres", StringComparison.OrdinalIgnoreCase);

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;Timeout=15";

    /// <summary>Creates the database if it does not exist yet (idempotent, so restart tests reuse it).</summary>
    public string Database(string name)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", connection);
        exists.Parameters.AddWithValue("n", name);
        if (exists.ExecuteScalar() is null)
        {
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            create.ExecuteNonQuery();
        }
        return ConnectionString(name);
    }

    private static PostgresServer Start()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql).");
        var dataDir = Directory.CreateTempSubdirectory("alerthub-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", $"-R postgres:postgres {dataDir}");
            Run("chmod", $"700 {dataDir}");
        }
        Run(asRoot ? "runuser" : Path.Combine(bin, "initdb"),
            (asRoot ? $"-u postgres -- {Path.Combine(bin, "initdb")} " : "") + $"-D {dataDir}/data -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8");
        var port = FreePort.Next();
        var args = $"-D {dataDir}/data -p {port} -k {dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        var start = new ProcessStartInfo(asRoot ? "runuser" : Path.Combine(bin, "postgres"), asRoot ? $"-u postgres -- {Path.Combine(bin, "postgres")} {args}" : args)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        return new PostgresServer(process, port);
    }

    private void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed: {error.Result}");
        }
    }
}

/// <summary>A redis-server on a free loopback port that a test can kill and start again on the same port.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=1000";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort.Next());
        await server.RestartAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        _process = Process.Start(new ProcessStartInfo("redis-server",
            $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --protected-mode yes")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server could not be started (apt-get install redis-server).");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await FreePort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(10));
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}
