using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace AlertHub.Cli.Bench;

/// <summary>
/// A hub the benchmark starts itself (AlertHub or the bare baseline) as its own process on a free loopback port,
/// so its memory can be read from <c>/proc/&lt;pid&gt;/status</c> and its CPU is not shared with our runtime.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerProcess(Process process, Uri baseAddress, string logPath)
    {
        _process = process;
        BaseAddress = baseAddress;
        LogPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public int Pid => _process.Id;

    public static async Task<ServerProcess> StartAsync(string dll, IEnumerable<string> args, string workDirectory, CancellationToken ct, string name)
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The hub watches this pipe (bench/ParentWatch.cs): when the bench ends, however it ends, so does the hub.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.Environment["ALERTHUB_BENCH_PARENT_PIPE"] = "1";
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Kon {dll} niet starten.");
        var server = new ServerProcess(process, baseAddress, Path.Combine(workDirectory, name + ".log"));
        try
        {
            await server.WaitUntilLiveAsync(TimeSpan.FromSeconds(60), ct);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task WaitUntilLiveAsync(TimeSpan limit, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"De server stopte meteen (exit {_process.ExitCode}); zie {LogPath}.");
            }
            try
            {
                using var response = await http.GetAsync("/health/live", ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // Start-up still busy.
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"De server kwam niet binnen {limit.TotalSeconds:0} s op; zie {LogPath}.");
    }

    /// <summary>Resident set size from /proc (Linux); null elsewhere.</summary>
    public long? ResidentBytes() => ReadRss(Pid);

    /// <summary>Summed over the nodes; null when there are none or one cannot be read.</summary>
    public static long? ResidentBytes(IReadOnlyList<ServerProcess> nodes)
    {
        long sum = 0;
        foreach (var node in nodes)
        {
            if (node.ResidentBytes() is not { } rss)
            {
                return null;
            }
            sum += rss;
        }
        return nodes.Count == 0 ? null : sum;
    }

    public static long? ReadRss(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path))
        {
            return null;
        }
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return null;
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close(); // asks the hub to stop (ParentWatch)
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    // Left to the OS; the bench does not hang on a stuck child.
                }
            }
        }
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}

/// <summary>What <c>GET /bench/memory</c> answers (after a forced full GC on the server).</summary>
internal sealed record ServerMemory(
    [property: JsonPropertyName("workingSet")] long WorkingSet,
    [property: JsonPropertyName("managedHeap")] long ManagedHeap)
{
    /// <summary>Summed over the nodes; null when one of them does not answer.</summary>
    public static async Task<ServerMemory?> ReadAllAsync(IEnumerable<HttpClient> nodes, CancellationToken ct)
    {
        ServerMemory total = new(0, 0);
        foreach (var node in nodes)
        {
            if (await ReadAsync(node, ct) is not { } one)
            {
                return null;
            }
            total = new ServerMemory(total.WorkingSet + one.WorkingSet, total.ManagedHeap + one.ManagedHeap);
        }
        return total;
    }

    public static async Task<ServerMemory?> ReadAsync(HttpClient http, CancellationToken ct)
    {
        try
        {
            return await http.GetFromJsonAsync<ServerMemory>("/bench/memory", ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
