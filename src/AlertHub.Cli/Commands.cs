using System.CommandLine;
using System.Net;
using AlertHub.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Spectre.Console;

namespace AlertHub.Cli;

internal static class Commands
{
    public static Command Login()
    {
        var url = new Option<string>("--url") { Description = "Adres van de hub", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var email = new Option<string>("--email") { Description = "E-mailadres", Required = true };
        var password = new Option<string>("--password") { Description = "Wachtwoord (of ALERTHUB_PASSWORD)" };
        var command = new Command("login", "Inloggen en de sessie bewaren") { url, email, password };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var secret = parse.GetValue(password) ?? Environment.GetEnvironmentVariable("ALERTHUB_PASSWORD")
                ?? throw new UserError("Geef --password of zet ALERTHUB_PASSWORD.");
            var baseUrl = ParseUrl(parse.GetValue(url)!);
            var client = new AlertHubClient(new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(15) });
            var token = await client.LoginAsync(parse.GetValue(email)!, secret, ct);
            new Session(baseUrl.ToString(), token.AccessToken, token.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(token.ExpiresIn)).Save();
            AnsiConsole.MarkupLine($"[green]Ingelogd[/] op {Markup.Escape(baseUrl.ToString())}.");
        }));
        return command;
    }

    public static Command Raise()
    {
        var kind = new Option<AlertKind?>("--kind") { Description = "threat, weapon, fight, group_moving, other" };
        var note = new Option<string?>("--note") { Description = "Korte notitie (geen namen van leerlingen)" };
        var key = new Option<string?>("--key") { Description = "Idempotency-Key; standaard een nieuwe" };
        var command = new Command("raise", "Dreigende situatie melden voor je eigen school") { kind, note, key };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var client = RequireSession().CreateClient();
            var request = new RaiseAlertRequest(Kind: parse.GetValue(kind), Note: parse.GetValue(note));
            var alert = await client.RaiseAsync(request, parse.GetValue(key) ?? Guid.NewGuid().ToString(), ct);
            AnsiConsole.MarkupLine($"[red bold]Melding #{alert.Sequence}[/] {Markup.Escape(alert.SchoolName)} — {alert.Recipients.Count} ontvangers. Id: {alert.Id}");
            if (!alert.HotlineOpen)
            {
                AnsiConsole.MarkupLine("[yellow]De hotline is nu gesloten; bel bij acuut gevaar 112.[/]");
            }
        }));
        return command;
    }

    public static Command Listen()
    {
        var since = new Option<long>("--since") { Description = "Ook meldingen na dit volgnummer ophalen", DefaultValueFactory = _ => 0 };
        var command = new Command("listen", "Live meldingen volgen (bevestigt ontvangst automatisch)") { since };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var client = RequireSession().CreateClient();
            await using var connection = client.CreateHubConnection(b => b.WithAutomaticReconnect());
            var seen = new HashSet<Guid>();
            var last = parse.GetValue(since);
            async Task Show(AlertDto alert, bool isNew)
            {
                last = Math.Max(last, alert.Sequence);
                if (isNew && seen.Add(alert.Id))
                {
                    Console.Write('\a');
                    await connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id, ct);
                }
                Print(alert, isNew ? "NIEUW" : "update");
            }
            connection.On<AlertDto>(HubNames.AlertRaised, a => Show(a, isNew: true));
            connection.On<AlertDto>(HubNames.AlertUpdated, a => Show(a, isNew: false));
            connection.Reconnected += async _ =>
            {
                foreach (var missed in await connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, last, ct))
                {
                    await Show(missed, isNew: true);
                }
            };
            await connection.StartAsync(ct);
            AnsiConsole.MarkupLine("[green]Verbonden.[/] Wachten op meldingen (Ctrl+C stopt)…");
            foreach (var missed in await connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, last, ct))
            {
                await Show(missed, isNew: missed.Status == AlertStatus.Open);
            }
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }));
        return command;
    }

    public static Command Ack()
    {
        var id = new Argument<Guid>("alertId") { Description = "Id van de melding" };
        var response = new Argument<AckResponse>("response") { Description = "seen, on_my_way, on_scene of unable" };
        var command = new Command("ack", "Reageren op een melding") { id, response };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var alert = await RequireSession().CreateClient().AcknowledgeAsync(parse.GetValue(id), parse.GetValue(response), ct);
            Print(alert, "reactie");
        }));
        return command;
    }

    public static Command Status()
    {
        var command = new Command("status", "Open meldingen en de stand per ontvanger");
        command.SetAction((parse, ct) => Run(async () =>
        {
            var alerts = await RequireSession().CreateClient().ListAlertsAsync("open", ct);
            if (alerts.Count == 0)
            {
                AnsiConsole.MarkupLine("Geen open meldingen.");
            }
            foreach (var alert in alerts)
            {
                Print(alert, "open");
            }
        }));
        return command;
    }

    private static void Print(AlertDto alert, string label)
    {
        var table = new Table().Title($"[bold]{label}[/] #{alert.Sequence} {Markup.Escape(alert.SchoolName)} · {alert.Kind} · {alert.Status} · {alert.RaisedAt.ToLocalTime():HH:mm:ss}")
            .AddColumns("Ontvanger", "Discipline", "Bezorging", "Reactie");
        foreach (var r in alert.Recipients)
        {
            table.AddRow(Markup.Escape(r.Name), r.Discipline?.ToString() ?? "", r.Delivery.ToString(),
                r.Response is null ? "" : $"{r.Response} {r.RespondedAt?.ToLocalTime():HH:mm:ss}");
        }
        AnsiConsole.Write(table);
        Console.WriteLine($"id {alert.Id}");
    }

    private static Session RequireSession() =>
        Session.Load() ?? throw new UserError("Niet ingelogd: gebruik eerst 'alerthub login'.");

    private static Uri ParseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UserError($"Ongeldig adres: {url}");

    /// <summary>Runs a command and turns the failures a user can act on into one clear line and exit code 1.</summary>
    private static async Task<int> Run(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (UserError e)
        {
            return Fail(e.Message);
        }
        catch (AlertHubException e) when (e.StatusCode == HttpStatusCode.Unauthorized)
        {
            return Fail("Niet (meer) ingelogd of onjuist wachtwoord: log opnieuw in met 'alerthub login'.");
        }
        catch (AlertHubException e)
        {
            return Fail($"De hub weigerde het verzoek ({(int)e.StatusCode}): {e.Problem}");
        }
        catch (HttpRequestException e)
        {
            return Fail($"De hub is niet bereikbaar: {e.Message}");
        }
        catch (TaskCanceledException)
        {
            return Fail("Geen antwoord van de hub binnen de tijd.");
        }
    }

    private static int Fail(string message)
    {
        AnsiConsole.MarkupLine($"[red]Fout:[/] {Markup.Escape(message)}");
        return 1;
    }
}

internal sealed class UserError(string message) : Exception(message);
