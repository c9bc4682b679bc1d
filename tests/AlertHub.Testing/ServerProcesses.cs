using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AlertHub.Testing;

public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout, Func<bool>? gaveUp = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && gaveUp?.Invoke() != true)
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
/// A server process (postgres, redis-server) that cannot outlive the test run. It runs in its own session
/// under a small bash guard whose standard input is a pipe from this process: when the pipe closes — on
/// <see cref="DisposeAsync"/>, a normal exit, a crash, a timeout or <c>kill -9</c> of the test host — the
/// guard stops the server with <c>stopSignal</c>, kills whatever is left of its process group after five
/// seconds, and removes the server's temporary folder. A server that ends by itself leaves its exit status
/// (<see cref="ExitCode"/>) until then. Each folder holds the pid of the test process that
/// owns it, so a folder whose owner is gone (its guard was killed too) is removed by the next run.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string FolderPrefix = "alerthub-srv-";

    private const string Guard = """
        dir=$1; signal=$2; shift 2
        "$@" </dev/null >>"$dir/server.log" 2>&1 &
        server=$!
        cat <&0 >/dev/null &
        input=$!
        wait -n "$server" "$input" 2>/dev/null
        status=$?
        if ! kill -0 "$server" 2>/dev/null; then echo "$status" >"$dir/exit"; wait "$input"; fi
        kill -s "$signal" "$server" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
        for p in $(pgrep -s $$); do [ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$dir"
        """;

    private static int _reaped;
    private readonly Process _guard;

    private ServerProcess(Process guard, string folder, string name)
    {
        _guard = guard;
        Folder = folder;
        Name = name;
    }

    /// <summary>The server's temporary folder: data, socket and <c>server.log</c>; removed when it stops.</summary>
    public string Folder { get; }

    public string Name { get; }

    public bool HasExited => _guard.HasExited;

    /// <summary>The server's exit status once it ended by itself (134 = aborted by an unhandled exception); null while it runs.</summary>
    public int? ExitCode => File.Exists(Path.Combine(Folder, "exit"))
        && int.TryParse(File.ReadAllText(Path.Combine(Folder, "exit")), out var code) ? code : null;

    public string Log => File.Exists(Path.Combine(Folder, "server.log")) ? File.ReadAllText(Path.Combine(Folder, "server.log")) : "";

    /// <summary>A new temporary folder for a server, marked with this process as its owner.</summary>
    public static string CreateFolder(string name)
    {
        ReapStaleFolders();
        var folder = Directory.CreateTempSubdirectory(FolderPrefix + name + "-").FullName;
        File.WriteAllText(Path.Combine(folder, "owner"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return folder;
    }

    /// <summary>Starts <paramref name="file"/> in <paramref name="folder"/> (from <see cref="CreateFolder"/>).</summary>
    public static ServerProcess Start(string name, string folder, string stopSignal, string file, params string[] arguments)
    {
        var info = new ProcessStartInfo("setsid") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-w", "bash", "-c", Guard, "guard", folder, stopSignal, file, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }
        var guard = Process.Start(info) ?? throw new InvalidOperationException($"{name} could not be started.");
        return new ServerProcess(guard, folder, name);
    }

    /// <summary>Stops the server (and waits until its folder is gone). Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_guard.HasExited)
        {
            try
            {
                _guard.StandardInput.Close();
            }
            catch (IOException)
            {
                // the guard is already gone
            }
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _guard.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _guard.Kill(entireProcessTree: true);
            }
        }
        _guard.Dispose();
    }

    /// <summary>Removes server folders whose owning test process no longer runs (once per test process).</summary>
    private static void ReapStaleFolders()
    {
        if (Interlocked.Exchange(ref _reaped, 1) == 1)
        {
            return;
        }
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var owner = Path.Combine(folder, "owner");
            if (File.Exists(owner) && int.TryParse(File.ReadAllText(owner), out var pid) && Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another run's server is still shutting down in it; the next run tries again
            }
        }
    }
}

/// <summary>
/// One real PostgreSQL server for the whole test run (initdb into a temporary folder, a free loopback port, run
/// as the postgres user when the tests run as root, since PostgreSQL refuses root); every test host gets its own
/// database. It stops when the test process ends, however it ends (<see cref="ServerProcess"/>).
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private PostgresServer(ServerProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    public static PostgresServer Instance => Shared.Value;

    public static bool Requested => string.Equals(Environment.GetEnvironmentVariable("ALERTHUB_TEST_DB"), "postgres", StringComparison.OrdinalIgnoreCase);

    public int Port { get; }

    internal ServerProcess Process { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20;Timeout=15;Connection Idle Lifetime=5;Connection Pruning Interval=1";

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
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql).");
        }
        var folder = ServerProcess.CreateFolder("pg");
        // setpriv changes user and then executes the server itself (runuser would stay in between as its parent).
        string[] asPostgres = Environment.UserName == "root" ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] : [];
        if (asPostgres.Length > 0)
        {
            Run("chown", "postgres:postgres", folder);
        }
        Run([.. asPostgres, Path.Combine(bin, "initdb"), "-D", $"{folder}/data", "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
        var port = FreePort.Next();
        string[] server = [.. asPostgres, Path.Combine(bin, "postgres"), "-D", $"{folder}/data", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-k", folder, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "max_connections=300"];
        // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
        var process = ServerProcess.Start("postgres", folder, "INT", server[0], server[1..]);
        try
        {
            FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30), () => process.HasExited).GetAwaiter().GetResult();
        }
        catch (TimeoutException e)
        {
            var log = process.Log;
            process.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new InvalidOperationException("PostgreSQL did not start: " + log, e);
        }
        return new PostgresServer(process, port);
    }

    private static void Run(params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command[1..])
        {
            info.ArgumentList.Add(argument);
        }
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed: {error.Result}");
        }
    }
}

/// <summary>A redis-server on a free loopback port that a test can kill and start again on the same port.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private ServerProcess? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=1000";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort.Next());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server again if it is not running (same port, empty data).</summary>
    public async Task RestartAsync()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        var folder = ServerProcess.CreateFolder("redis");
        // KILL: stopping is always a crash for Redis here; nothing is persisted anyway.
        var process = ServerProcess.Start("redis-server", folder, "KILL", "redis-server",
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", folder);
        _process = process;
        try
        {
            await FreePort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(10), () => process.HasExited);
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException("redis-server did not start (apt-get install redis-server): " + process.Log, e);
        }
    }

    /// <summary>Like a crash: the server is gone at once, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
