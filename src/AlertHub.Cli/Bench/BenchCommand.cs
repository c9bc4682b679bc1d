using System.CommandLine;
using System.Net;
using System.Text.Json;
using Spectre.Console;

namespace AlertHub.Cli.Bench;

internal static class BenchCommand
{
    public static Command Create()
    {
        var connections = new Option<int>("--connections", "-n") { HelpName = "aantal", Description = "Aantal partnerverbindingen", DefaultValueFactory = _ => 2000 };
        var accounts = new Option<int>("--accounts") { HelpName = "aantal", Description = "Partneraccounts waarover de verbindingen verdeeld worden (= ontvangers per melding)", DefaultValueFactory = _ => 10 };
        var rate = new Option<double>("--rate") { HelpName = "per-seconde", Description = "Meldingen per seconde (open loop)", DefaultValueFactory = _ => 10 };
        var duration = new Option<int>("--seconds") { HelpName = "seconden", Description = "Duur van de meting in seconden", DefaultValueFactory = _ => 30 };
        var drain = new Option<int>("--drain") { HelpName = "seconden", Description = "Maximaal zoveel seconden nalopen na de laatste melding", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { HelpName = "seconden", Description = "Eerst zoveel seconden dezelfde belasting zonder te meten (een nieuw knooppunt compileert nog); 0 meet koud", DefaultValueFactory = _ => 30 };
        var raiseOnly = new Option<bool>("--raise-only") { Description = "Alleen melden en opslaan, zo snel als het kan (geen verbindingen)" };
        var concurrency = new Option<int>("--concurrency") { HelpName = "aantal", Description = "Gelijktijdige meldingen bij --raise-only", DefaultValueFactory = _ => 8 };
        var noBare = new Option<bool>("--no-bare") { Description = "De kale SignalR-hub niet meten" };
        var url = new Option<string?>("--url") { HelpName = "adres", Description = "Een al draaiende bench-hub (bench/BenchHost met --Bench:Partners); standaard start de bench er zelf een" };
        var bareUrl = new Option<string?>("--bare-url") { HelpName = "adres", Description = "Een al draaiende BareHub" };
        var hubDll = new Option<string?>("--hub-dll") { HelpName = "pad", Description = "Pad naar AlertHub.BenchHost.dll (standaard: gebouwd in deze repository)" };
        var bareDll = new Option<string?>("--bare-dll") { HelpName = "pad", Description = "Pad naar BareHub.dll" };
        var coordinators = new Option<int>("--coordinators") { HelpName = "aantal", Description = "Coördinatoren (elk een eigen school) die om de beurt melden; één persoon meldt één melding tegelijk", DefaultValueFactory = _ => 8 };
        var nodes = new Option<int>("--nodes") { HelpName = "aantal", Description = "Aantal AlertHub-knooppunten (meer dan één: met --redis)", DefaultValueFactory = _ => 1 };
        var postgres = new Option<string?>("--postgres") { HelpName = "verbinding", Description = "PostgreSQL op deze machine (Npgsql-verbinding zonder Database=); standaard een nieuw SQLite-bestand" };
        var redis = new Option<string?>("--redis") { HelpName = "host:poort", Description = "redis-server op deze machine voor de backplane tussen de knooppunten" };
        var json = new Option<string?>("--json") { HelpName = "bestand", Description = "Schrijf de resultaten ook als JSON naar dit bestand" };
        var command = new Command("bench", "Fan-out meten: N partners, meldingen in vast tempo, latentie per ontvanger en per melding")
        {
            connections, accounts, rate, duration, drain, warmup, raiseOnly, concurrency, noBare, url, bareUrl, hubDll, bareDll, coordinators, nodes, postgres, redis, json,
        };
        command.SetAction((parse, ct) => Commands.Run(async () =>
        {
            var settings = new BenchSettings
            {
                Connections = Bounded(parse.GetValue(connections), 1, 20_000, "--connections"),
                Accounts = Bounded(parse.GetValue(accounts), 1, 5_000, "--accounts"),
                Rate = parse.GetValue(rate) is var r and > 0 and <= 1000 ? r : throw new UserError("--rate moet tussen 0 en 1000 liggen."),
                Duration = TimeSpan.FromSeconds(Bounded(parse.GetValue(duration), 1, 3600, "--seconds")),
                Drain = TimeSpan.FromSeconds(Bounded(parse.GetValue(drain), 1, 300, "--drain")),
                Warmup = TimeSpan.FromSeconds(Bounded(parse.GetValue(warmup), 0, 600, "--warmup")),
                RaiseOnly = parse.GetValue(raiseOnly),
                RaiseConcurrency = Bounded(parse.GetValue(concurrency), 1, 256, "--concurrency"),
                SkipBare = parse.GetValue(noBare),
                Url = Loopback(parse.GetValue(url)),
                BareUrl = Loopback(parse.GetValue(bareUrl)),
                HubDll = parse.GetValue(hubDll),
                BareDll = parse.GetValue(bareDll),
                Coordinators = Bounded(parse.GetValue(coordinators), 1, 64, "--coordinators"),
                Nodes = Bounded(parse.GetValue(nodes), 1, 8, "--nodes"),
                Postgres = LoopbackPostgres(parse.GetValue(postgres)),
                Redis = LoopbackRedis(parse.GetValue(redis)),
            };
            if (settings.Nodes > 1 && settings.Redis is null)
            {
                throw new UserError("Met meer dan één knooppunt is --redis nodig: zonder backplane bereikt een melding alleen de verbindingen van het eigen knooppunt.");
            }
            BenchResult result;
            if (Console.IsOutputRedirected)
            {
                result = await new BenchRunner(settings, (_, _, _) => { }).RunAsync(ct);
            }
            else
            {
                result = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async context =>
                    {
                        var bars = new Dictionary<string, ProgressTask>();
                        void Report(string phase, double value, double max)
                        {
                            lock (bars)
                            {
                                if (!bars.TryGetValue(phase, out var bar))
                                {
                                    bars[phase] = bar = context.AddTask(Markup.Escape(phase), maxValue: Math.Max(1, max));
                                }
                                bar.MaxValue = Math.Max(1, max);
                                bar.Value = Math.Min(value, bar.MaxValue);
                            }
                        }
                        return await new BenchRunner(settings, Report).RunAsync(ct);
                    });
            }
            Print(result);
            if (parse.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, JsonOptions), ct);
                AnsiConsole.WriteLine($"JSON: {path}");
            }
        }, parse));
        return command;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static int Bounded(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new UserError($"{name} moet tussen {min} en {max} liggen.");

    /// <summary>The bench only ever loads the machine it runs on.</summary>
    private static Uri? Loopback(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var uri = Commands.ParseUrl(value);
        var loopback = uri.IsLoopback && (uri.Host is "localhost" || IPAddress.TryParse(uri.Host.Trim('[', ']'), out _));
        return loopback ? uri : throw new UserError($"De bench meet alleen op deze machine: gebruik 127.0.0.1 of [::1], niet {uri.Host}.");
    }

    private static string? LoopbackPostgres(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].ToLowerInvariant(), p => p[1]);
        if (parts.ContainsKey("database"))
        {
            throw new UserError("Laat Database= weg uit --postgres: de bench maakt per meting een eigen database.");
        }
        var host = parts.GetValueOrDefault("host") ?? parts.GetValueOrDefault("server") ?? "";
        return IsLoopbackHost(host) ? value : throw new UserError($"De bench meet alleen op deze machine: PostgreSQL op 127.0.0.1, [::1] of een socketmap, niet '{host}'.");
    }

    private static string? LoopbackRedis(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var host = value.Split(',')[0].Trim();
        var colon = host.LastIndexOf(':');
        host = colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
        return IsLoopbackHost(host) ? value : throw new UserError($"De bench meet alleen op deze machine: redis op 127.0.0.1 of [::1], niet '{host}'.");
    }

    private static bool IsLoopbackHost(string host) =>
        host.StartsWith('/') || host is "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static void Print(BenchResult result)
    {
        if (result.RaiseOnly is { } raise)
        {
            var table = new Table().Title($"[bold]Melden en opslaan ({raise.Nodes} knooppunt(en), {raise.Database})[/]").AddColumns("", "waarde");
            table.AddRow("gelijktijdig", raise.Concurrency.ToString(Inv));
            table.AddRow("opgewarmd (niet gemeten)", $"{raise.WarmupSeconds.ToString(Inv)} s");
            table.AddRow("ontvangers per melding", raise.RecipientsPerAlert.ToString(Inv));
            table.AddRow("opgeslagen (201)", raise.Stored.ToString(Inv));
            table.AddRow("fouten", raise.Errors.ToString(Inv));
            table.AddRow("[bold]meldingen per seconde[/]", $"[bold]{raise.AlertsPerSecond.ToString(Inv)}[/]");
            table.AddRow("antwoordtijd p50 / p99 / max", $"{raise.Response.P50Ms} / {raise.Response.P99Ms} / {raise.Response.MaxMs} ms");
            AnsiConsole.Write(table);
            return;
        }

        var results = new[] { result.AlertHub, result.Bare }.OfType<TargetResult>().ToList();
        var fanOut = new Table().Title($"[bold]Fan-out: {results[0].Connections} verbindingen, {results[0].Rate} meldingen/s, {results[0].Nodes} knooppunt(en), {results[0].Database}[/]")
            .AddColumn("").AddColumns(results.Select(r => new TableColumn(r.Target)).ToArray());
        void Row(string label, Func<TargetResult, string> value) => fanOut.AddRow([label, .. results.Select(value)]);
        Row("opgewarmd (niet gemeten)", r => $"{r.WarmupSeconds.ToString(Inv)} s");
        Row("meldingen / fouten bij melden", r => $"{r.Alerts} / {r.RaiseErrors}");
        Row("per ontvanger p50 / p99 / p99.9 / max (ms)", r => Latency(r.PerRecipient));
        Row("per melding, laatste ontvanger (ms)", r => Latency(r.PerAlertLastRecipient));
        Row("antwoord op melden p50 / p99 (ms)", r => $"{r.RaiseResponse.P50Ms} / {r.RaiseResponse.P99Ms}");
        Row("bezorgd / verwacht", r => $"{r.Delivered} / {r.Expected}");
        Row("[bold]verloren[/]", r => r.Lost == 0 ? "[green]0[/]" : $"[red]{r.Lost}[/]");
        Row("dubbel", r => r.Duplicates.ToString(Inv));
        Row("verbinden: totaal (s) / p99 per verbinding (ms) / mislukt", r => $"{r.ConnectSeconds} / {r.ConnectPerConnection.P99Ms} / {r.ConnectFailures}");
        Row("servergeheugen per verbinding: RSS / managed heap", r => r.Memory is null ? "-" :
            $"{Kb(r.Memory.RssPerConnectionBytes)} / {Kb(r.Memory.ManagedPerConnectionBytes)}");
        AnsiConsole.Write(fanOut);
        if (result.RatioP99PerRecipient is { } perRecipient)
        {
            AnsiConsole.MarkupLine($"p99 AlertHub / kale hub: per ontvanger [bold]{perRecipient.ToString(Inv)}×[/], per melding [bold]{result.RatioP99PerAlert?.ToString(Inv)}×[/]");
        }
    }

    private static readonly IFormatProvider Inv = System.Globalization.CultureInfo.InvariantCulture;

    private static string Latency(LatencySummary s) => $"{s.P50Ms} / {s.P99Ms} / {s.P999Ms} / {s.MaxMs}";

    private static string Kb(double? bytes) => bytes is { } b ? $"{(b / 1024).ToString("0.0", Inv)} KB" : "-";
}
