using System.Text.Json;
using System.Text.RegularExpressions;
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
        Assert.Contains("GroupMoving", line, StringComparison.Ordinal);
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

        // Long lines wrap at the console width: read the events from the output as one line.
        var events = EventLine().Matches(Regex.Replace(cli.Output, @"\s+", " "))
            .Select(m => (Id: Guid.Parse(m.Groups[3].Value), Line: $"{m.Groups[1].Value} {m.Groups[2].Value}")).ToList();
        Assert.Equal("NIEUW Open", Assert.Single(events, e => e.Id == open.Id).Line);
        Assert.Equal("UPDATE Resolved", Assert.Single(events, e => e.Id == resolved.Id).Line);
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
            var exit = await cli.RunAsync("bench", "-n", "20", "--accounts", "4", "--rate", "2", "--seconds", "3", "--json", json);
            Assert.True(exit == 0, cli.Output);

            var result = JsonSerializer.Deserialize<BenchResult>(await File.ReadAllTextAsync(json), BenchCommand.JsonOptions)!;
            foreach (var target in new[] { result.AlertHub!, result.Bare! })
            {
                Assert.Equal(6, target.Alerts);
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

    [GeneratedRegex(@"id ([0-9a-f\-]{36})")]
    private static partial Regex IdLine();

    [GeneratedRegex(@"(NIEUW|UPDATE) #\d+ .+? (Open|Resolved|Cancelled) id=([0-9a-f\-]{36})")]
    private static partial Regex EventLine();
}
