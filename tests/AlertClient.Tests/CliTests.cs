using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AlertHub.Cli;
using AlertHub.Cli.Bench;
using AlertHub.Client;
using AlertClient.Tests.Support;

using AlertHub.Testing;

namespace AlertClient.Tests;

public sealed partial class CliTests
{
    [Fact]
    public async Task Cli_RaiseAndListen_AgainstARealHost_ListenerShowsTheAlertOnceAndConfirmsReceipt()
    {
        await using var host = await TestHost.StartAsync();
        using var cli = new Cli();
        var url = host.BaseAddress.ToString();
        cli.As("police");
        Assert.Equal(0, await cli.RunAsync("login", "--url", url, "--email", TestHost.Police, "--password", TestHost.DemoPassword));
        cli.As("coordinator");
        Assert.Equal(0, await cli.RunAsync("login", "--url", url, "--email", TestHost.Coordinator, "--password", TestHost.DemoPassword));

        cli.As("police");
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var listening = cli.RunAsync(stop.Token, "listen", "--plain", "--duration", "00:01:30");
        await Eventually.TrueAsync(() => cli.Output.Contains("VERBONDEN", StringComparison.Ordinal), "the listener connecting");

        cli.As("coordinator");
        Assert.Equal(0, await cli.RunAsync("raise", "--kind", "group_moving", "--note", "groep richting station", "--key", "cli-tap-1"));
        var id = Guid.Parse(IdLine().Match(cli.Output).Groups[1].Value);
        // A second tap with the same key is the same alert.
        Assert.Equal(0, await cli.RunAsync("raise", "--key", "cli-tap-1"));

        await Eventually.TrueAsync(() => cli.Output.Contains($"id={id}", StringComparison.Ordinal), "the listener showing the alert");
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        await Eventually.TrueAsync(async () => (await coordinator.GetAlertAsync(id)).Recipients
            .Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Received, "listen confirming receipt");
        await stop.CancelAsync();
        Assert.Equal(0, await listening);

        var newLines = cli.Output.Split('\n').Where(l => l.StartsWith("NIEUW", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(newLines);
        Assert.Contains("groep onderweg", line, StringComparison.Ordinal);
        Assert.Single(await coordinator.ListAlertsAsync(status: null));
    }

    [Fact]
    public async Task Cli_RaiseWithAKeyUsedBefore_SaysTheAlertAlreadyExistedAndHowItStandsNow()
    {
        await using var host = await TestHost.StartAsync();
        using var cli = new Cli();
        cli.As("coordinator");
        Assert.Equal(0, await cli.RunAsync("login", "--url", host.BaseAddress.ToString(), "--email", TestHost.Coordinator, "--password", TestHost.DemoPassword));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        var first = await RaiseAsync(cli, "cli-herhaal-1");
        Assert.Contains("ontvangers", first, StringComparison.Ordinal);
        Assert.DoesNotContain("bestond al", first, StringComparison.Ordinal);
        var id = Guid.Parse(IdLine().Match(first).Groups[1].Value);

        var again = await RaiseAsync(cli, "cli-herhaal-1");
        Assert.Contains("Deze melding bestond al", again, StringComparison.Ordinal);
        Assert.Contains("status open", again, StringComparison.Ordinal);
        Assert.DoesNotContain("ontvangers", again, StringComparison.Ordinal);
        Assert.Equal(id, Guid.Parse(IdLine().Match(again).Groups[1].Value));

        await coordinator.ResolveAsync(id, "Rustig verlopen");
        Assert.Contains("status afgehandeld", await RaiseAsync(cli, "cli-herhaal-1"), StringComparison.Ordinal);

        var other = Guid.Parse(IdLine().Match(await RaiseAsync(cli, "cli-herhaal-2")).Groups[1].Value);
        await coordinator.CancelAsync(other);
        var cancelled = await RaiseAsync(cli, "cli-herhaal-2");
        Assert.Contains("Deze melding bestond al", cancelled, StringComparison.Ordinal);
        Assert.Contains("status ingetrokken", cancelled, StringComparison.Ordinal);

        Assert.Equal(2, (await coordinator.ListAlertsAsync(status: null)).Count);
    }

    [Fact]
    public async Task Cli_Listen_CatchesUpThroughTheChangeFeed_OpenAlertsAsNew_ClosedOnesAsTheirLastState()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var resolved = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "al voorbij"));
        await coordinator.ResolveAsync(resolved.Id, "Rustig verlopen");
        var open = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "nog open"));

        using var cli = new Cli();
        cli.As("police");
        Assert.Equal(0, await cli.RunAsync("login", "--url", host.BaseAddress.ToString(), "--email", TestHost.Police, "--password", TestHost.DemoPassword));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var listening = cli.RunAsync(stop.Token, "listen", "--plain", "--duration", "00:00:45");
        await Eventually.TrueAsync(() => cli.Output.Contains("VERBONDEN", StringComparison.Ordinal), "the listener connecting");
        await stop.CancelAsync();
        Assert.Equal(0, await listening);

        // One event per line, however long (the recipients make it longer than 80 columns): a script reads it as is.
        var events = cli.Output.Split('\n').Select(l => EventLine().Match(l)).Where(m => m.Success)
            .Select(m => (Id: Guid.Parse(m.Groups[3].Value), Line: $"{m.Groups[1].Value} {m.Groups[2].Value}", Text: m.Value)).ToList();
        Assert.Equal("NIEUW open", Assert.Single(events, e => e.Id == open.Id).Line);
        Assert.Equal("BIJGEWERKT afgehandeld", Assert.Single(events, e => e.Id == resolved.Id).Line);
        var openLine = Assert.Single(events, e => e.Id == open.Id).Text;
        Assert.True(openLine.Length > 80, openLine);
        Assert.All(open.Recipients, r => Assert.Contains(r.Name + "=", openLine, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cli_HelpAndInputErrors_AreDutch_AndNameTheCommandAlerthub()
    {
        using var cli = new Cli();
        cli.As("nobody");
        Assert.Equal(0, await cli.RunAsync("--help"));
        Assert.Equal(0, await cli.RunAsync("login", "--help"));
        Assert.Equal(0, await cli.RunAsync("ack", "-h"));
        Assert.Equal(0, await cli.RunAsync("listen", "--help"));
        var help = cli.Output;
        Assert.Contains("Gebruik:", help, StringComparison.Ordinal);
        Assert.Contains("alerthub login [opties]", help, StringComparison.Ordinal);
        Assert.Contains("alerthub ack <melding> <reactie>", help, StringComparison.Ordinal);
        Assert.Contains("--email <e-mailadres>", help, StringComparison.Ordinal);
        Assert.Contains("(verplicht)", help, StringComparison.Ordinal);
        Assert.Contains("[standaard: http://127.0.0.1:5080]", help, StringComparison.Ordinal);
        Assert.Contains("Deze hulp tonen", help, StringComparison.Ordinal);

        var from = cli.Output.Length;
        Assert.Equal(2, await cli.RunAsync("login"));
        Assert.Equal(2, await cli.RunAsync("ack"));
        Assert.Equal(2, await cli.RunAsync("listen", "--since", "gisteren", "--duration", "lang"));
        Assert.Equal(2, await cli.RunAsync("meld"));
        Assert.Equal(2, await cli.RunAsync());
        var errors = cli.Output[from..];
        Assert.Contains("De optie --email is verplicht.", errors, StringComparison.Ordinal);
        Assert.Contains("Het argument <melding> ontbreekt.", errors, StringComparison.Ordinal);
        Assert.Contains("Ongeldige waarde 'gisteren' voor --since. Gebruik een heel getal.", errors, StringComparison.Ordinal);
        Assert.Contains("Ongeldige waarde 'lang' voor --duration.", errors, StringComparison.Ordinal);
        Assert.Contains("Onbekende invoer: 'meld'.", errors, StringComparison.Ordinal);
        Assert.Contains("Kies een opdracht: login, raise, listen, ack, status, drill-report, coverage, bench.", errors, StringComparison.Ordinal);
        Assert.Contains("Zie 'alerthub listen --help'.", errors, StringComparison.Ordinal);

        // Without --password and without a terminal to ask on: a Dutch way out, never a password in the history.
        Environment.SetEnvironmentVariable("ALERTHUB_PASSWORD", null);
        Assert.Equal(1, await cli.RunAsync("login", "--url", "http://127.0.0.1:9", "--email", TestHost.Police));
        Assert.Contains("ALERTHUB_PASSWORD", cli.Output, StringComparison.Ordinal);

        foreach (var english in new[] { "Usage", "Options", "Arguments", "Commands", "REQUIRED", "Required", "Show help", "AlertHub.Cli", "Cannot parse", "Unrecognized", "default:" })
        {
            Assert.DoesNotContain(english, cli.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Cli_Ack_TakesTheShortIdOrNumber_AndDutchAnswers_ShowsFieldErrorsAndTimesInAmsterdam()
    {
        async Task Ok(Cli cli, params string[] args) => Assert.True(await cli.RunAsync(args) == 0, cli.Output);
        await using var host = await TestHost.StartAsync();
        using var cli = new Cli();
        var url = host.BaseAddress.ToString();
        cli.As("coordinator");
        await Ok(cli, "login", "--url", url, "--email", TestHost.Coordinator, "--password", TestHost.DemoPassword);
        await Ok(cli, "raise", "--kind", "wapen");
        var id = Guid.Parse(IdLine().Match(cli.Output).Groups[1].Value);
        await Ok(cli, "raise", "--kind", "vechtpartij");

        // The server's own words for a field it refuses, not only "Ongeldige invoer".
        Assert.Equal(1, await cli.RunAsync("raise", "--note", new string('x', 501)));
        Assert.Contains("De notitie mag hoogstens 500 tekens zijn.", cli.Output, StringComparison.Ordinal);
        Assert.Equal(1, await cli.RunAsync("raise", "--kind", "brand"));
        Assert.Contains("Onbekende soort 'brand'. Kies dreiging, wapen", cli.Output, StringComparison.Ordinal);

        cli.As("police");
        await Ok(cli, "login", "--url", url, "--email", TestHost.Police, "--password", TestHost.DemoPassword);
        var from = cli.Output.Length;
        await Ok(cli, "status");
        var status = cli.Output[from..];
        Assert.Contains($"kort: {id.ToString("N")[^8..]}", status, StringComparison.Ordinal);
        Assert.Contains("politie", status, StringComparison.Ordinal);
        Assert.DoesNotContain("Police", status, StringComparison.Ordinal);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var raised = await coordinator.GetAlertAsync(id);
        var amsterdam = TimeZoneInfo.ConvertTime(raised.RaisedAt, TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam"));
        Assert.Contains(amsterdam.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), status, StringComparison.Ordinal);

        await Ok(cli, "ack", id.ToString("N")[^8..], "onderweg");
        Assert.Equal(AckResponse.OnMyWay, (await coordinator.GetAlertAsync(id)).Recipients.Single(r => r.Discipline == Discipline.Police).Response);
        await Ok(cli, "ack", $"#{raised.Sequence}", "ter plaatse");
        Assert.Equal(AckResponse.OnScene, (await coordinator.GetAlertAsync(id)).Recipients.Single(r => r.Discipline == Discipline.Police).Response);

        from = cli.Output.Length;
        Assert.Equal(1, await cli.RunAsync("ack", "ffff0000", "gezien"));
        Assert.Equal(1, await cli.RunAsync("ack", "ab", "gezien"));
        Assert.Equal(1, await cli.RunAsync("ack", id.ToString("N")[^8..], "misschien"));
        var refused = cli.Output[from..];
        Assert.Contains("Geen melding gevonden met id 'ffff0000'.", refused, StringComparison.Ordinal);
        Assert.Contains("geef het korte id uit de kolom Id (minstens 4 tekens)", refused, StringComparison.Ordinal);
        Assert.Contains("Onbekende reactie 'misschien'.", refused, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortIds_ThatFitTwoAlerts_AreRefusedWithTheCandidates()
    {
        // Time-ordered ids of two alerts raised a moment apart share their start; the short id is their end.
        var first = Guid.Parse("01a23a77-c6b7-76a3-bc84-bc21fad16a71");
        var second = Guid.Parse("01a23a77-c8fb-79b9-9168-51df7cf7bc0e");
        IReadOnlyList<(Guid, long)> alerts = [(first, 7), (second, 8)];

        Assert.Equal("fad16a71", AlertIds.Short(first));
        Assert.Equal(first, AlertIds.Pick(alerts, "fad16a71"));
        Assert.Equal(second, AlertIds.Pick(alerts, "7bc0e"));
        Assert.Equal(second, AlertIds.Pick(alerts, "01A23A77-C8"));
        Assert.Equal(second, AlertIds.Pick(alerts, "#8"));
        var ambiguous = Assert.Throws<UserError>(() => AlertIds.Pick(alerts, "01a23a77"));
        Assert.Equal("Het id '01a23a77' past bij meer meldingen (#7 fad16a71, #8 7cf7bc0e); geef meer tekens.", ambiguous.Message);
        Assert.Throws<UserError>(() => AlertIds.Pick(alerts, "#9"));
    }

    [Fact]
    public async Task Cli_Listen_WhenTheSessionsHubIsDown_KeepsTryingAndUsesTheOtherHub()
    {
        await using var host = await TestHost.StartAsync();
        using var cli = new Cli();
        cli.As("police");
        Assert.Equal(0, await cli.RunAsync("login", "--url", host.BaseAddress.ToString(), "--email", TestHost.Police, "--password", TestHost.DemoPassword));
        // The node the session was made on is gone; another node of the same hub is up.
        var session = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(cli.SessionFile("police")));
        var dead = $"http://127.0.0.1:{FreePort.Next()}/";
        await File.WriteAllTextAsync(cli.SessionFile("police"), JsonSerializer.Serialize(new
        {
            url = dead, accessToken = session.GetProperty("accessToken").GetString(), refreshToken = session.GetProperty("refreshToken").GetString(),
            expiresAt = session.GetProperty("expiresAt").GetDateTimeOffset(),
        }));

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var listening = cli.RunAsync(stop.Token, "listen", "--plain", "--duration", "00:01:30", "--hub", host.BaseAddress.ToString());
        await Eventually.TrueAsync(() => cli.Output.Contains($"VERBONDEN {host.BaseAddress}", StringComparison.Ordinal), "the listener connecting to the other hub", TimeSpan.FromSeconds(30));
        Assert.False(listening.IsCompleted);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        await Eventually.TrueAsync(() => cli.Output.Contains($"id={alert.Id}", StringComparison.Ordinal), "the listener showing the alert");
        await stop.CancelAsync();
        Assert.Equal(0, await listening);
        Assert.Contains("is nu niet bereikbaar", cli.Output, StringComparison.Ordinal);
        Assert.Contains($"VERBINDING WEG {dead}", cli.Output, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>raise --key</c> and returns what it printed, on one line.</summary>
    private static async Task<string> RaiseAsync(Cli cli, string key)
    {
        var from = cli.Output.Length;
        Assert.Equal(0, await cli.RunAsync("raise", "--key", key));
        return Regex.Replace(cli.Output[from..], @"\s+", " ");
    }

    [Fact]
    public async Task Cli_WrongUrlWrongPasswordAndExpiredSession_GiveClearDutchErrors()
    {
        await using var host = await TestHost.StartAsync();
        using var cli = new Cli();
        cli.As("someone");

        Assert.Equal(1, await cli.RunAsync("login", "--url", $"http://127.0.0.1:{FreePort.Next()}", "--email", TestHost.Police, "--password", "x"));
        Assert.Contains("niet bereikbaar", cli.Output, StringComparison.Ordinal);

        Assert.Equal(1, await cli.RunAsync("login", "--url", "geen-adres", "--email", TestHost.Police, "--password", "x"));
        Assert.Contains("Ongeldig adres", cli.Output, StringComparison.Ordinal);

        Assert.Equal(1, await cli.RunAsync("login", "--url", host.BaseAddress.ToString(), "--email", TestHost.Police, "--password", "Fout-wachtwoord1"));
        Assert.Contains("Onjuist e-mailadres of wachtwoord", cli.Output, StringComparison.Ordinal);

        await File.WriteAllTextAsync(cli.SessionFile("someone"), JsonSerializer.Serialize(new
        {
            url = host.BaseAddress.ToString(), accessToken = "verlopen", refreshToken = "ook-verlopen", expiresAt = DateTimeOffset.UtcNow.AddHours(-1),
        }));
        Assert.Equal(1, await cli.RunAsync("status"));
        Assert.Contains("sessie is verlopen", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_SmallRun_EndToEnd_DeliversEveryAlertToEveryConnection_ZeroLoss()
    {
        using var cli = new Cli();
        var json = Path.Combine(Path.GetTempPath(), $"alerthub-bench-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await cli.RunAsync("bench", "-n", "20", "--accounts", "4", "--rate", "2", "--seconds", "3", "--warmup", "1", "--json", json);
            Assert.True(exit == 0, cli.Output);

            var result = JsonSerializer.Deserialize<BenchResult>(await File.ReadAllTextAsync(json), BenchCommand.JsonOptions)!;
            foreach (var target in new[] { result.AlertHub!, result.Bare! })
            {
                Assert.Equal(6, target.Alerts);
                // The warm-up's 2 alerts (1 s at 2/s) reached everybody too, but are in none of the figures.
                Assert.Equal(1, target.WarmupSeconds);
                Assert.Equal(0, target.RaiseErrors);
                Assert.Equal(6 * 20, target.Expected);
                Assert.Equal(target.Expected, target.Delivered);
                Assert.Equal(0, target.Lost);
                Assert.Equal(0, target.Duplicates);
                Assert.Equal(120, target.PerRecipient.Count);
                Assert.Equal(6, target.PerAlertLastRecipient.Count);
            }
            Assert.NotNull(result.RatioP99PerRecipient);
            Assert.NotNull(result.AlertHub!.Memory?.RssPerConnectionBytes);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Bench_RaiseOnly_WarmsUpFirst_ThenCountsOnlyWhatItMeasured()
    {
        using var cli = new Cli();
        var json = Path.Combine(Path.GetTempPath(), $"alerthub-bench-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await cli.RunAsync("bench", "--raise-only", "--concurrency", "2", "--coordinators", "2", "--seconds", "2", "--warmup", "1", "--json", json);
            Assert.True(exit == 0, cli.Output);

            var raise = JsonSerializer.Deserialize<BenchResult>(await File.ReadAllTextAsync(json), BenchCommand.JsonOptions)!.RaiseOnly!;
            Assert.Equal(1, raise.WarmupSeconds);
            Assert.Equal(0, raise.Errors);
            Assert.True(raise.Stored > 0, cli.Output);
            // Only the measured second(s): the warm-up's raises are neither in the count nor in the time.
            Assert.InRange(raise.Seconds, 2, 2.8);
            Assert.Equal(raise.Stored, raise.Response.Count);
            Assert.Equal(raise.Stored / raise.Seconds, raise.AlertsPerSecond, tolerance: 1);
            Assert.Contains("opgewarmd", cli.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Bench_TwoNodesOnPostgresBehindRedis_EndToEnd_EveryAlertReachesTheConnectionsOfBothNodes_InAlertHubAndInTheBaseline()
    {
        await using var redis = await RedisServer.StartAsync();
        var postgres = PostgresServer.Instance;
        using var cli = new Cli();
        var json = Path.Combine(Path.GetTempPath(), $"alerthub-bench-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await cli.RunAsync("bench", "-n", "20", "--accounts", "4", "--coordinators", "2", "--rate", "2", "--seconds", "3", "--warmup", "0",
                "--nodes", "2", "--postgres", $"Host=127.0.0.1;Port={postgres.Port};Username=postgres", "--redis", $"127.0.0.1:{redis.Port}",
                "--json", json);
            Assert.True(exit == 0, cli.Output);

            var result = JsonSerializer.Deserialize<BenchResult>(await File.ReadAllTextAsync(json), BenchCommand.JsonOptions)!;
            var hub = result.AlertHub!;
            Assert.Equal(("PostgreSQL", 2), (hub.Database, hub.Nodes));
            Assert.Equal(0, hub.RaiseErrors);
            // Half the connections are on each node and half the raises go to each: delivery crosses the backplane.
            Assert.Equal(6 * 20, hub.Expected);
            Assert.Equal(0, hub.Lost);
            Assert.Equal(0, hub.Duplicates);
            Assert.NotNull(hub.Memory?.RssPerConnectionBytes);

            // The baseline in the same set-up: two bare nodes behind the same Redis. Without the backplane each
            // broadcast would reach only the connections of the node it was posted to, half of them.
            var bare = result.Bare!;
            Assert.Equal(2, bare.Nodes);
            Assert.Equal((6 * 20, 6 * 20, 0L, 0L), (bare.Expected, bare.Delivered, bare.Lost, bare.Duplicates));
            Assert.NotNull(result.RatioP99PerRecipient);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Bench_RefusesAddressesOffThisMachine_AndTwoNodesWithoutRedis()
    {
        using var cli = new Cli();
        Assert.NotEqual(0, await cli.RunAsync("bench", "--nodes", "2"));
        Assert.Contains("--redis", cli.Output, StringComparison.Ordinal);
        using var other = new Cli();
        Assert.NotEqual(0, await other.RunAsync("bench", "--postgres", "Host=db.example.org;Username=postgres"));
        Assert.Contains("alleen op deze machine", other.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Drill_StartsWithOefening_AndTheTeamLeadPrintsItsReport()
    {
        await using var host = await TestHost.StartAsync();
        using var cli = new Cli();
        var url = host.BaseAddress.ToString();
        cli.As("coordinator");
        Assert.Equal(0, await cli.RunAsync("login", "--url", url, "--email", TestHost.Coordinator, "--password", TestHost.DemoPassword));
        Assert.True(await cli.RunAsync("raise", "--drill") == 0, cli.Output);
        Assert.Contains("OEFENING #", cli.Output, StringComparison.Ordinal);
        var id = Guid.Parse(IdLine().Match(cli.Output).Groups[1].Value);
        var police = await host.LoginAsync(TestHost.Police);
        await police.AcknowledgeAsync(id, AckResponse.OnScene);

        cli.As("teamlead");
        Assert.Equal(0, await cli.RunAsync("login", "--url", url, "--email", TestHost.TeamLead, "--password", TestHost.DemoPassword));
        // A team lead starts drills, not real alerts; said in Dutch.
        Assert.Equal(1, await cli.RunAsync("raise", "--school", (await police.GetAlertAsync(id)).SchoolId));
        Assert.Contains("Een teamleider start alleen een oefening", cli.Output, StringComparison.Ordinal);

        var file = Path.Combine(Path.GetTempPath(), $"alerthub-test-drill-{Guid.NewGuid():N}.html");
        try
        {
            Assert.True(await cli.RunAsync("drill-report", id.ToString(), "--html", file) == 0, cli.Output);
            Assert.Contains("gereageerd", cli.Output, StringComparison.Ordinal);
            Assert.Contains("ter plaatse", cli.Output, StringComparison.Ordinal);
            Assert.Contains("Niet bereikt:", cli.Output, StringComparison.Ordinal);
            Assert.Contains("OEFENING", await File.ReadAllTextAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Cli_Coverage_ShowsTheGapWithWhomToCall_AndTheRostersGaps_InDutch()
    {
        await using var host = await TestHost.StartAsync();
        // The BOA leaves the main roster: enforcement has nobody on call for the rest of the day.
        var admin = await host.ApiAsync(TestHost.Admin);
        var roster = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/admin/roster");
        var entry = roster.EnumerateArray().Single(r => r.GetProperty("personName").GetString() == "BOA Visser (demo)" && !r.GetProperty("isBackup").GetBoolean());
        using (var deleted = await admin.DeleteAsync($"/api/admin/roster/{entry.GetProperty("id").GetGuid()}"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }
        using var cli = new Cli();
        cli.As("teamlead");
        Assert.Equal(0, await cli.RunAsync("login", "--url", host.BaseAddress.ToString(), "--email", TestHost.TeamLead, "--password", TestHost.DemoPassword));
        Assert.True(await cli.RunAsync("coverage") == 0, cli.Output);
        // Spectre wraps long lines at the terminal's width; the words are what counts.
        var output = string.Join(' ', cli.Output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Geen handhaving bereikbaar — bel Reserve handhaving Peters (demo) (+31600000006).", output, StringComparison.Ordinal);
        Assert.Contains("Geen handhaving ingeroosterd op ", output, StringComparison.Ordinal);
        Assert.Contains("Vandaag is er nog geen controle geweest.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Geen politie", cli.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"id ([0-9a-f\-]{36})")]
    private static partial Regex IdLine();

    [GeneratedRegex(@"(NIEUW|BIJGEWERKT) #\d+ .+? (open|afgehandeld|ingetrokken) id=([0-9a-f\-]{36}) \| .*")]
    private static partial Regex EventLine();
}
