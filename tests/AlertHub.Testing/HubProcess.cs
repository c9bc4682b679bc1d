using System.Diagnostics;
using System.Globalization;
using AlertHub.Client;

namespace AlertHub.Testing;

/// <summary>
/// A hub node as a real process (the built <c>src/AlertHub</c>), for what an in-process host cannot show:
/// <see cref="KillAsync"/> is <c>kill -9</c>, nothing is flushed, no shutdown code runs. The process runs under
/// the <see cref="ServerProcess"/> guard, so it cannot outlive the test run either.
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private HubProcess(ServerProcess process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }
    public Uri BaseAddress { get; }
    public string Log => _process.Log;

    public static async Task<HubProcess> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var port = FreePort.Next();
        var folder = ServerProcess.CreateFolder("hub");
        var arguments = new List<string> { HubDll(), "--urls", $"http://127.0.0.1:{port}", "--contentRoot", folder,
            "--Demo:Enabled=true", "--Security:LoginPerMinute=1000", "--Security:ApiPerMinute=10000", "--Security:RaiseBurst=100000",
            $"--Sms:OutboxPath={Path.Combine(folder, "sms-outbox.jsonl")}", $"--Node:Folder={folder}" };
        var self = new Uri($"http://127.0.0.1:{port}");
        arguments.AddRange(TestHost.WithOwnPublicUrl(settings, self).Where(s => s.Value is not null).Select(s => $"--{s.Key}={s.Value}"));
        var process = ServerProcess.Start("hub", folder, "TERM", "dotnet", [.. arguments]);
        var hub = new HubProcess(process, port);
        try
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => process.ExitCode is not null || process.HasExited);
            using var http = hub.CreateHttp();
            await Eventually.TrueAsync(async () => (await http.GetAsync("/health/live")).IsSuccessStatusCode, "hub live", TimeSpan.FromSeconds(30));
        }
        catch
        {
            var (exitCode, log) = (process.ExitCode, process.Log);
            await process.DisposeAsync();
            throw new HubDidNotStartException(folder, exitCode, log);
        }
        return hub;
    }

    /// <summary>Whether a hub process started in <paramref name="folder"/> still runs (a failed start must leave none).</summary>
    public static bool AnyRunningIn(string folder) => PidsIn(folder).Count > 0;

    public HttpClient CreateHttp() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<AlertHubClient> LoginAsync(string email, string password = TestHost.DemoPassword)
    {
        var client = new AlertHubClient(CreateHttp());
        await client.LoginAsync(email, password);
        return client;
    }

    /// <summary><c>kill -9</c> of the hub itself (not its guard): a crash mid-work.</summary>
    public async Task KillAsync()
    {
        var pids = PidsIn(FolderOf());
        foreach (var pid in pids)
        {
            using var kill = Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }
        if (pids.Count == 0)
        {
            throw new InvalidOperationException("The hub process to kill was not found.");
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private string FolderOf() => _process.Folder;

    private static List<int> PidsIn(string folder) => Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
        .Where(d => int.TryParse(d, out _))
        .Where(d => ReadCommandLine(d!) is { } cmd && cmd.StartsWith("dotnet", StringComparison.Ordinal) && cmd.Contains($"--Node:Folder={folder}", StringComparison.Ordinal))
        .Select(d => int.Parse(d!, CultureInfo.InvariantCulture))
        .ToList();

    private static string? ReadCommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>src/AlertHub's build output for this configuration, found from the test assembly's folder.</summary>
    private static string HubDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug"; // …/bin/Debug/net10.0/
        var dll = Path.Combine(RepositoryRoot.Path, "src", "AlertHub", "bin", configuration, "net10.0", "AlertHub.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/AlertHub first.", dll);
    }
}

/// <summary>The hub process ended (or never listened) during start-up; it has been stopped and its folder removed.</summary>
public sealed class HubDidNotStartException(string folder, int? exitCode, string log)
    : InvalidOperationException($"The hub process did not start (exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none: still running"}): {log}")
{
    public string Folder { get; } = folder;

    /// <summary>The process's own exit status; null when it was still running and had to be stopped.</summary>
    public int? ExitCode { get; } = exitCode;

    /// <summary>Its standard output and error.</summary>
    public string Log { get; } = log;
}
