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
}
