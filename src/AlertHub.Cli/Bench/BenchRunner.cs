using System.Diagnostics;
using System.Net.Http.Json;
using AlertHub.Client;
using HdrHistogram;

namespace AlertHub.Cli.Bench;

internal sealed record BenchSettings
{
    public int Connections { get; init; } = 2000;
    public int Accounts { get; init; } = 10;
    public double Rate { get; init; } = 10;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The same load before the measured part, not counted: a fresh node JIT-compiles for its first ~30 s under load
    /// (dotnet-counters: 2-4 s of JIT per 5 s), and a node in service has long finished that. 0 measures it cold.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(30);
    public int ConnectParallelism { get; init; } = 32;
    public bool RaiseOnly { get; init; }
    public int RaiseConcurrency { get; init; } = 8;

    /// <summary>Coordinators (each of their own school) who raise in turn: one person raises one alert at a time.</summary>
    public int Coordinators { get; init; } = 8;
    public bool SkipBare { get; init; }
    /// <summary>A bench hub already running (bench/BenchHost started with --Bench:Partners); null = start one.</summary>
    public Uri? Url { get; init; }
    public Uri? BareUrl { get; init; }
    public string? HubDll { get; init; }
    public string? BareDll { get; init; }

    /// <summary>Hub nodes started behind one database and, with more than one, one Redis backplane.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>An Npgsql connection string of a PostgreSQL server on this machine; null = a fresh SQLite file.</summary>
    public string? Postgres { get; init; }

    /// <summary>A redis-server on this machine (host:port) for the backplane; needed with more than one node.</summary>
    public string? Redis { get; init; }

    public string Database => Postgres is null ? "SQLite" : "PostgreSQL";
}

/// <summary>Reports progress; <paramref name="phase"/> names a bar, value and max its position.</summary>
internal delegate void BenchProgress(string phase, double value, double max);

/// <summary>
/// The fan-out benchmark of issue 6. Per hub: open N light partner connections, raise alerts open-loop at a fixed
/// rate and record, for every recipient, the time from the alert's *intended* send time to its arrival. Measuring
/// from the intended time (not the moment the request actually left) keeps a stalled hub from hiding its own stall
/// (coordinated omission). Every loop is bounded in count and time.
/// </summary>
internal sealed class BenchRunner(BenchSettings settings, BenchProgress progress)
{
    public const string BenchPassword = "Bench-2026!";
    public const string CoordinatorEmail = "coordinator@bench.alerthub.test";
    private const int WarmupAlerts = 3;
    private const long HighestMicros = 3_600_000_000;

    public static string PartnerEmail(int index) => $"partner{index:D4}@bench.alerthub.test";

    public static string CoordinatorEmailOf(int index) => index == 0 ? CoordinatorEmail : $"coordinator{index:D2}@bench.alerthub.test";

    /// <summary>Each coordinator signed in on each node: [coordinator][node].</summary>
    private async Task<List<List<AlertHubClient>>> CoordinatorsAsync(IReadOnlyList<HttpClient> nodes)
    {
        var all = new List<List<AlertHubClient>>();
        for (var c = 0; c < settings.Coordinators; c++)
        {
            var perNode = new List<AlertHubClient>();
            foreach (var node in nodes)
            {
                // An HttpClient of its own: AlertHubClient keeps its token in the client's default headers.
                var client = new AlertHubClient(new HttpClient { BaseAddress = node.BaseAddress, Timeout = node.Timeout }) { MaxRaiseAttempts = 1 };
                await LoginOrExplainAsync(client, CoordinatorEmailOf(c));
                perNode.Add(client);
            }
            all.Add(perNode);
        }
        return all;
    }

    private AlertDto? _template;

    public async Task<BenchResult> RunAsync(CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("alerthub-bench-").FullName;
        try
        {
            if (settings.RaiseOnly)
            {
                await using var hub = await StartHubAsync(work, ct);
                var raiseOnly = await RaiseOnlyAsync(hub.Urls, ct);
                return new BenchResult(DateTimeOffset.UtcNow, Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                    null, null, null, null, raiseOnly);
            }

            TargetResult alertHub;
            await using (var hub = await StartHubAsync(work, ct))
            {
                alertHub = await FanOutAsync("AlertHub", hub, ct);
            }
            TargetResult? bare = null;
            if (!settings.SkipBare)
            {
                await using var baseline = await StartBareAsync(work, ct);
                bare = await FanOutAsync("BareHub", baseline, ct);
            }
            return new BenchResult(DateTimeOffset.UtcNow, Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                alertHub, bare,
                Ratio(alertHub.PerRecipient.P99Ms, bare?.PerRecipient.P99Ms),
                Ratio(alertHub.PerAlertLastRecipient.P99Ms, bare?.PerAlertLastRecipient.P99Ms),
                null);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A log still open by a dying child; temp cleanup takes it later.
            }
        }
    }

    private static double? Ratio(double a, double? b) => b is > 0 ? Math.Round(a / b.Value, 2) : null;

    private async Task<FanOutTarget> StartHubAsync(string work, CancellationToken ct)
    {
        if (settings.Url is { } url)
        {
            return new FanOutTarget([url], []);
        }
        var dll = settings.HubDll ?? ServerBinaries.Find("bench/BenchHost", "AlertHub.BenchHost.dll");
        var runId = Guid.NewGuid().ToString("N")[..8];
        var database = settings.Postgres is { } postgres
            ? new[] { "--Database:Provider=Postgres", $"--ConnectionStrings:AlertHub={postgres.TrimEnd(';')};Database=alerthub_bench_{runId}" }
            : [$"--ConnectionStrings:AlertHub=Data Source={Path.Combine(work, "bench.db")};Default Timeout=30"];
        var redis = settings.Redis is { } r ? new[] { $"--Redis:Configuration={r}", $"--Redis:ChannelPrefix=bench-{runId}" } : [];
        // One after the other: the first creates the database and the bench accounts, the others find them.
        return await StartNodesAsync("AlertHub", dll, i =>
            [
                $"--Bench:Partners={settings.Accounts}",
                $"--Bench:Coordinators={settings.Coordinators}",
                "--Demo:Enabled=false",
                .. database,
                .. redis,
                $"--Scheduling:NodeName=bench-{i + 1}",
                $"--Sms:OutboxPath={Path.Combine(work, $"sms-outbox-{i + 1}.jsonl")}",
                // The bench measures push; the SMS fallback and escalation timers must not fire during the run.
                "--Alerts:SmsFallbackAfter=01:00:00",
                "--Alerts:EscalateAfter=1.00:00:00",
                // Nor the opening check (a run at 07:00 would push and text every bench partner).
                "--Readiness:Enabled=false",
                // Every run in hotline hours, whatever the hour it runs at: the case alerts are raised in (a raise
                // then also reads the coverage), and the figures no longer depend on the time of day.
                "--Hotline:Opens=00:00",
                "--Hotline:Closes=23:59:59.9999999",
                // A load test raises far faster than any coordinator; the per-person limits would refuse it.
                "--Security:RaisePerMinute=10000",
                "--Security:RaiseBurst=100000",
                "--Security:ApiPerMinute=100000",
                "--Security:LoginPerMinute=1000",
                "--Security:RequireHttps=false",
            ], work, ct);
    }

    /// <summary>
    /// The baseline in the same set-up as AlertHub: as many bare nodes, behind the same Redis (a channel prefix of
    /// their own), so a two-node run compares two nodes with two nodes, each push crossing the backplane in both.
    /// </summary>
    private async Task<FanOutTarget> StartBareAsync(string work, CancellationToken ct)
    {
        if (settings.BareUrl is { } url)
        {
            return new FanOutTarget([url], []);
        }
        var dll = settings.BareDll ?? ServerBinaries.Find("bench/BareHub", "BareHub.dll");
        var redis = settings.Redis is { } r ? new[] { $"--Redis:Configuration={r}", $"--Redis:ChannelPrefix=bare-{Guid.NewGuid():N}" } : [];
        return await StartNodesAsync("BareHub", dll, _ => redis, work, ct);
    }

    /// <summary>settings.Nodes servers of one kind, one after the other; those started are stopped again when one fails.</summary>
    private async Task<FanOutTarget> StartNodesAsync(string name, string dll, Func<int, IEnumerable<string>> args, string work, CancellationToken ct)
    {
        var nodes = new List<ServerProcess>();
        try
        {
            for (var i = 0; i < settings.Nodes; i++)
            {
                progress($"{name} starten", i, settings.Nodes);
                nodes.Add(await ServerProcess.StartAsync(dll, args(i), work, ct, $"{name}-{i + 1}"));
            }
            progress($"{name} starten", settings.Nodes, settings.Nodes);
            return new FanOutTarget(nodes.Select(n => n.BaseAddress).ToList(), nodes);
        }
        catch
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
            throw;
        }
    }

    private async Task<TargetResult> FanOutAsync(string name, FanOutTarget target, CancellationToken ct)
    {
        var urls = target.Urls;
        var baseUrl = urls[0];
        var isAlertHub = name == "AlertHub";
        var n = settings.Connections;
        var alerts = Math.Max(1, (int)Math.Round(settings.Rate * settings.Duration.TotalSeconds));
        // A few alerts one by one (pools, first JIT), then the warm-up at the measured rate; none of them is counted.
        var warmAtRate = (int)Math.Round(settings.Rate * settings.Warmup.TotalSeconds);
        var warmup = WarmupAlerts + warmAtRate;
        var total = warmup + alerts;
        var nodeHttp = urls.Select(u => new HttpClient { BaseAddress = u, Timeout = TimeSpan.FromSeconds(30) }).ToList();
        using var disposeNodeHttp = new Disposables(nodeHttp);

        // Sign in once per account and share the token across that account's devices: sign-in is PBKDF2 and
        // deliberately slow, and a person's devices share an account in real life too.
        // The coordinators raise in turn, each through every node in turn, as a load balancer would spread the taps.
        var coordinators = new List<List<AlertHubClient>>();
        var tokens = new string?[Math.Max(1, settings.Accounts)];
        if (isAlertHub)
        {
            coordinators = await CoordinatorsAsync(nodeHttp);
            for (var i = 0; i < tokens.Length; i++)
            {
                progress($"{name}: inloggen", i, tokens.Length);
                var partner = new AlertHubClient(new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) });
                await LoginOrExplainAsync(partner, PartnerEmail(i));
                tokens[i] = partner.AccessToken;
            }
            progress($"{name}: inloggen", tokens.Length, tokens.Length);
        }

        var memoryBefore = await ServerMemory.ReadAllAsync(nodeHttp, ct);
        var rssBefore = ServerProcess.ResidentBytes(target.Processes);

        var intended = new long[total];
        var received = new int[total];
        var lastArrival = new long[total];
        var recipientHistogram = new LongConcurrentHistogram(1, HighestMicros, 3);
        var closed = false;
        void OnAlert(int number, long timestamp)
        {
            if (Volatile.Read(ref closed) || number >= total || Volatile.Read(ref intended[number]) == 0)
            {
                return;
            }
            Interlocked.Increment(ref received[number]);
            InterlockedMax(ref lastArrival[number], timestamp);
            if (number >= warmup)
            {
                recipientHistogram.RecordValue(Math.Clamp(Micros(timestamp - intended[number]), 1, HighestMicros));
            }
        }

        var hubUrls = urls.Select(u => new Uri(u, HubNames.Path)).ToList();
        var partners = new LightPartner[n];
        var connectHistogram = new LongConcurrentHistogram(1, HighestMicros, 3);
        var connectFailures = 0;
        var connected = 0;
        var connectClock = Stopwatch.StartNew();
        using (var gate = new SemaphoreSlim(Math.Max(1, settings.ConnectParallelism)))
        {
            var connecting = Enumerable.Range(0, n).Select(async i =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    var partner = new LightPartner(hubUrls[i % hubUrls.Count], tokens[i % tokens.Length], OnAlert);
                    partners[i] = partner;
                    var started = Stopwatch.GetTimestamp();
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(TimeSpan.FromSeconds(30));
                    await partner.ConnectAsync(timeout.Token);
                    connectHistogram.RecordValue(Math.Max(1, Micros(Stopwatch.GetTimestamp() - started)));
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref connectFailures);
                }
                finally
                {
                    gate.Release();
                    progress($"{name}: verbinden", Interlocked.Increment(ref connected), n);
                }
            }).ToList();
            await Task.WhenAll(connecting);
        }
        var connectSeconds = connectClock.Elapsed.TotalSeconds;

        using var stopPings = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pinging = PingAsync(partners, stopPings.Token);
        try
        {
            // Let the connect burst settle before reading memory.
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            var memoryAfter = await ServerMemory.ReadAllAsync(nodeHttp, ct);
            var rssAfter = ServerProcess.ResidentBytes(target.Processes);
            var open = Math.Max(1, n - connectFailures);
            var memory = new MemoryResult(rssBefore, rssAfter, memoryBefore?.ManagedHeap, memoryAfter?.ManagedHeap,
                rssBefore is { } rb && rssAfter is { } ra ? Math.Round((ra - rb) / (double)open) : null,
                memoryBefore is { } mb && memoryAfter is { } ma ? Math.Round((ma.ManagedHeap - mb.ManagedHeap) / (double)open) : null,
                target.Processes.Count == 0 ? "GET /bench/memory"
                    : $"VmRSS of /proc/{string.Join(",", target.Processes.Select(p => p.Pid))}/status and GET /bench/memory, summed over the nodes");

            var raiseHistogram = new LongConcurrentHistogram(1, HighestMicros, 3);
            var raiseErrors = 0;
            var runId = Guid.NewGuid().ToString("N")[..8];
            Task Raise(int number)
            {
                Volatile.Write(ref intended[number], intended[number] == 0 ? Stopwatch.GetTimestamp() : intended[number]);
                return RaiseOneAsync(number);
            }
            async Task RaiseOneAsync(int number)
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    if (coordinators.Count > 0)
                    {
                        var alert = await coordinators[number % coordinators.Count][number % nodeHttp.Count].RaiseAsync(new RaiseAlertRequest(Note: $"bench:{number}"), $"bench-{runId}-{number}", ct);
                        _template ??= alert;
                    }
                    else
                    {
                        var template = _template ?? throw new InvalidOperationException("No alert to copy for the bare hub.");
                        using var response = await nodeHttp[number % nodeHttp.Count].PostAsJsonAsync("/broadcast",
                            template with { Id = Guid.NewGuid(), Note = $"bench:{number}" }, AlertHubJson.Options, ct);
                        response.EnsureSuccessStatusCode();
                    }
                    if (number >= warmup)
                    {
                        raiseHistogram.RecordValue(Math.Max(1, Micros(Stopwatch.GetTimestamp() - started)));
                    }
                }
                catch (Exception e) when (e is HttpRequestException or AlertHubException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref raiseErrors);
                }
            }

            // Warm-up: JIT, EF query compilation and connection pools, outside the figures.
            for (var i = 0; i < WarmupAlerts; i++)
            {
                await Raise(i);
                await Task.Delay(200, ct);
            }
            await AtRateAsync(WarmupAlerts, warmAtRate, $"{name}: opwarmen ({settings.Rate:0.#}/s)");
            // The warm-up's deliveries and receipts settle before the measured alerts start (at most the drain window).
            var settleUntil = Stopwatch.GetTimestamp() + (long)(settings.Drain.TotalSeconds * Stopwatch.Frequency);
            while (warmAtRate > 0 && Stopwatch.GetTimestamp() < settleUntil && WarmDelivered() < (long)warmup * open)
            {
                await Task.Delay(100, ct);
            }
            if (isAlertHub)
            {
                await AnalyzeAsync(nodeHttp[0], ct);
            }
            await AtRateAsync(warmup, alerts, $"{name}: melden ({settings.Rate:0.#}/s)");

            // Open loop: alert i is due at start + i/rate whatever happened to the ones before it.
            async Task AtRateAsync(int first, int count, string phase)
            {
                var sends = new List<Task>(count);
                var interval = Stopwatch.Frequency / settings.Rate;
                var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
                for (var i = 0; i < count; i++)
                {
                    var number = first + i;
                    var due = start + (long)(i * interval);
                    var wait = due - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), ct);
                    }
                    intended[number] = due;
                    sends.Add(RaiseOneAsync(number));
                    progress(phase, i + 1, count);
                }
                await Task.WhenAll(sends);
            }

            long WarmDelivered()
            {
                long sum = 0;
                for (var i = 0; i < warmup; i++)
                {
                    sum += Math.Min(Volatile.Read(ref received[i]), open);
                }
                return sum;
            }

            var expected = (long)alerts * open;
            var drainUntil = Stopwatch.GetTimestamp() + (long)(settings.Drain.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < drainUntil && Delivered() < expected)
            {
                progress($"{name}: nalopen", Delivered(), expected);
                await Task.Delay(100, ct);
            }
            progress($"{name}: nalopen", expected, expected);
            // Whatever arrives after the drain window counts as lost; stop recording before reading the histograms.
            Volatile.Write(ref closed, true);
            await Task.Delay(100, ct);

            long Delivered()
            {
                long sum = 0;
                for (var i = warmup; i < total; i++)
                {
                    sum += Math.Min(Volatile.Read(ref received[i]), open);
                }
                return sum;
            }

            var perAlert = new LongConcurrentHistogram(1, HighestMicros, 3);
            long duplicates = 0;
            for (var i = warmup; i < total; i++)
            {
                duplicates += Math.Max(0, received[i] - open);
                // The last recipient is only defined when everybody got the alert; incomplete alerts count as loss.
                if (received[i] >= open)
                {
                    perAlert.RecordValue(Math.Clamp(Micros(lastArrival[i] - intended[i]), 1, HighestMicros));
                }
            }
            var delivered = Delivered();
            return new TargetResult(name, isAlertHub ? settings.Database : "-", urls.Count, n, isAlertHub ? tokens.Length : 0, settings.Rate, alerts, raiseErrors,
                expected, delivered, expected - delivered, duplicates,
                LatencySummary.From(recipientHistogram), LatencySummary.From(perAlert), LatencySummary.From(raiseHistogram),
                Math.Round(connectSeconds, 2), connectFailures, LatencySummary.From(connectHistogram), memory, settings.Warmup.TotalSeconds);
        }
        finally
        {
            await stopPings.CancelAsync();
            await pinging;
            progress($"{name}: afsluiten", 0, n);
            await Task.WhenAll(partners.Where(p => p is not null).Select(p => p.DisposeAsync().AsTask()));
            progress($"{name}: afsluiten", n, n);
        }
    }

    /// <summary>
    /// The database's planner statistics, as a database in service has them (autovacuum's analyse); the bench's
    /// database is new. Once, on one node: the nodes share the database. A hub without the endpoint is left as it is.
    /// </summary>
    private static async Task AnalyzeAsync(HttpClient http, CancellationToken ct)
    {
        try
        {
            using var answer = await http.PostAsync("/bench/analyze", null, ct);
        }
        catch (HttpRequestException)
        {
            // The bare hub, or a hub without bench support.
        }
    }

    private static async Task PingAsync(LightPartner[] partners, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
                foreach (var partner in partners)
                {
                    if (partner is not null)
                    {
                        await partner.PingAsync(ct);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // End of the run.
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            // A dropped connection; its missing alerts are counted as loss.
        }
    }

    private async Task<RaiseOnlyResult> RaiseOnlyAsync(IReadOnlyList<Uri> urls, CancellationToken ct)
    {
        var nodeHttp = urls.Select(u => new HttpClient { BaseAddress = u, Timeout = TimeSpan.FromSeconds(30) }).ToList();
        using var disposeNodeHttp = new Disposables(nodeHttp);
        var coordinators = await CoordinatorsAsync(nodeHttp);
        var runId = Guid.NewGuid().ToString("N")[..8];
        var warm = await coordinators[0][0].RaiseAsync(new RaiseAlertRequest(Note: "bench:warmup"), $"bench-{runId}-warmup", ct);

        var next = 0;
        // The same closed loop first for the warm-up (its figures are dropped), then measured.
        if (settings.Warmup > TimeSpan.Zero)
        {
            await ClosedLoopAsync(settings.Warmup.TotalSeconds, "AlertHub: opwarmen");
        }
        await AnalyzeAsync(nodeHttp[0], ct);
        var (histogram, stored, errors, elapsed) = await ClosedLoopAsync(settings.Duration.TotalSeconds, "AlertHub: melden zo snel als het kan");
        return new RaiseOnlyResult(settings.Database, urls.Count, settings.RaiseConcurrency, warm.Recipients.Count, Math.Round(elapsed, 2), stored, errors,
            Math.Round(stored / elapsed, 1), LatencySummary.From(histogram), settings.Warmup.TotalSeconds);

        async Task<(LongConcurrentHistogram Histogram, int Stored, int Errors, double Elapsed)> ClosedLoopAsync(double seconds, string phase)
        {
            var histogram = new LongConcurrentHistogram(1, HighestMicros, 3);
            var stored = 0;
            var errors = 0;
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, Math.Max(1, settings.RaiseConcurrency)).Select(async worker =>
            {
                var coordinator = coordinators[worker % coordinators.Count][worker % nodeHttp.Count];
                // Bounded by time and by a hard count, whichever comes first.
                while (clock.Elapsed.TotalSeconds < seconds && Volatile.Read(ref next) < 2_000_000)
                {
                    var number = Interlocked.Increment(ref next);
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await coordinator.RaiseAsync(new RaiseAlertRequest(Note: $"bench:{number}"), $"bench-{runId}-{number}", ct);
                        histogram.RecordValue(Math.Max(1, Micros(Stopwatch.GetTimestamp() - started)));
                        Interlocked.Increment(ref stored);
                    }
                    catch (Exception e) when (e is HttpRequestException or AlertHubException or TaskCanceledException && !ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    progress(phase, Math.Min(clock.Elapsed.TotalSeconds, seconds), seconds);
                }
            }).ToList();
            await Task.WhenAll(workers);
            return (histogram, stored, errors, clock.Elapsed.TotalSeconds);
        }
    }

    private static async Task LoginOrExplainAsync(AlertHubClient client, string email)
    {
        try
        {
            await client.LoginAsync(email, BenchPassword);
        }
        catch (AlertHubException e) when (e.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            throw new UserError($"Inloggen als {email} lukt niet: start de bench-hub (bench/BenchHost) met --Bench:Partners=<aantal> (minstens --accounts).");
        }
    }

    private static long Micros(long stopwatchTicks) => stopwatchTicks * 1_000_000 / Stopwatch.Frequency;

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>The node(s) of one hub under test; the processes are those the bench started itself.</summary>
    private sealed class FanOutTarget(IReadOnlyList<Uri> urls, IReadOnlyList<ServerProcess> processes) : IAsyncDisposable
    {
        public IReadOnlyList<Uri> Urls => urls;
        public IReadOnlyList<ServerProcess> Processes => processes;

        public async ValueTask DisposeAsync()
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }
}

/// <summary>Disposes a set of clients at the end of a using block.</summary>
internal sealed class Disposables(IEnumerable<IDisposable> items) : IDisposable
{
    public void Dispose()
    {
        foreach (var item in items)
        {
            item.Dispose();
        }
    }
}

/// <summary>Finds the built hub binaries in this repository (the bench starts them as separate processes).</summary>
internal static class ServerBinaries
{
    public static string Find(string projectDirectory, string dll)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "AlertHub.sln")))
                {
                    continue;
                }
                var newest = new[] { "Release", "Debug" }
                    .Select(c => new FileInfo(Path.Combine(dir.FullName, projectDirectory, "bin", c, "net10.0", dll)))
                    .Where(f => f.Exists)
                    .OrderByDescending(f => f.LastWriteTimeUtc)
                    .FirstOrDefault();
                if (newest is not null)
                {
                    return newest.FullName;
                }
            }
        }
        throw new UserError($"{dll} niet gevonden: bouw eerst met 'dotnet build -c Release' of geef het pad met --hub-dll/--bare-dll.");
    }
}
