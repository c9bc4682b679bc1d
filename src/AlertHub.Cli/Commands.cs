using System.CommandLine;
using System.Net;
using System.Text.Json;
using AlertHub.Client;
using Spectre.Console;

namespace AlertHub.Cli;

internal static class Commands
{
    public static Command Login()
    {
        var url = new Option<string>("--url") { HelpName = "adres", Description = "Adres van de hub", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var email = new Option<string>("--email") { HelpName = "e-mailadres", Description = "E-mailadres", Required = true };
        var password = new Option<string>("--password") { HelpName = "wachtwoord", Description = "Wachtwoord; zonder deze optie: ALERTHUB_PASSWORD, of de vraag erom (niet zichtbaar getypt, niet in de geschiedenis van de shell)" };
        var command = new Command("login", "Inloggen en de sessie bewaren") { url, email, password };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var baseUrl = ParseUrl(parse.GetValue(url)!);
            var secret = parse.GetValue(password) ?? Environment.GetEnvironmentVariable("ALERTHUB_PASSWORD") ?? AskPassword();
            var client = new AlertHubClient(new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(15) });
            TokenResponse token;
            try
            {
                token = await client.LoginAsync(parse.GetValue(email)!, secret, ct);
            }
            catch (AlertHubException e) when (e.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new UserError(e.Problem.Contains("geblokkeerd", StringComparison.Ordinal)
                    ? "Account tijdelijk geblokkeerd na te veel mislukte pogingen; probeer het over enkele minuten opnieuw."
                    : "Onjuist e-mailadres of wachtwoord.");
            }
            catch (HttpRequestException)
            {
                throw new UserError($"De hub op {baseUrl} is niet bereikbaar. Draait hij, en klopt het adres (--url)?");
            }
            catch (AlertHubException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                throw new UserError($"Op {baseUrl} draait geen AlertHub (geen /api/auth/login). Klopt --url?");
            }
            catch (JsonException)
            {
                throw new UserError($"Op {baseUrl} draait geen AlertHub (onverwacht antwoord). Klopt --url?");
            }
            Session.From(baseUrl, token).Save();
            AnsiConsole.MarkupLine($"[green]Ingelogd[/] op {Markup.Escape(baseUrl.ToString())}.");
        }, parse));
        return command;
    }

    public static Command Raise()
    {
        var kind = new Option<string?>("--kind") { HelpName = "soort", Description = "Soort situatie: dreiging (standaard), wapen, vechtpartij, groep-onderweg of anders" };
        var note = new Option<string?>("--note") { HelpName = "tekst", Description = "Korte notitie (geen namen van leerlingen)" };
        var key = new Option<string?>("--key") { HelpName = "sleutel", Description = "Sleutel van deze melding (Idempotency-Key); standaard een nieuwe. Met dezelfde sleutel opnieuw melden maakt geen tweede melding" };
        var drill = new Option<bool>("--drill") { Description = "Een oefening: gaat naar dezelfde mensen, met overal OEFENING ervoor; geen evaluatie, wel een verslag (drill-report)" };
        var school = new Option<string?>("--school") { HelpName = "school-id", Description = "De school (een regievoerder kiest die voor een oefening); standaard je eigen school" };
        var command = new Command("raise", "Dreigende situatie melden voor je eigen school, of een oefening starten") { kind, note, key, drill, school };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var client = RequireSession().CreateClient();
            var isDrill = parse.GetValue(drill);
            var request = new RaiseAlertRequest(parse.GetValue(school), ParseKind(parse.GetValue(kind)), parse.GetValue(note), isDrill ? true : null);
            var (alert, created) = await client.RaiseWithResultAsync(request, parse.GetValue(key), ct);
            if (!created)
            {
                // The key was used before (CONTRACT v2): nothing new was raised; say how that earlier alert stands now.
                AnsiConsole.MarkupLine($"[yellow]Deze melding bestond al[/] (zelfde sleutel): #{alert.Sequence} {Markup.Escape(alert.SchoolName)}, "
                    + $"status [bold]{AlertTable.Status(alert.Status)}[/]; er is geen nieuwe melding verstuurd.");
                Output.Line($"id {alert.Id}");
                return;
            }
            AnsiConsole.MarkupLine($"[red bold]{(alert.Drill ? "OEFENING" : "Melding")} #{alert.Sequence}[/] {Markup.Escape(alert.SchoolName)} — {AlertTable.Kind(alert.Kind)}, "
                + $"{alert.Recipients.Count} ontvangers, {AlertTable.Time(alert.RaisedAt)}.");
            Output.Line($"id {alert.Id}");
            if (!alert.HotlineOpen)
            {
                AnsiConsole.MarkupLine("[yellow]De hotline is nu gesloten; bel bij acuut gevaar 112.[/]");
            }
        }, parse));
        return command;
    }

    public static Command Listen()
    {
        var since = new Option<long>("--since") { HelpName = "volgnummer", Description = "Meldingen tot en met dit volgnummer als bekend beschouwen en niet tonen (0 = alle open en recente meldingen tonen)", DefaultValueFactory = _ => 0 };
        var hubs = new Option<string[]>("--hub") { HelpName = "adres", Description = "Extra adres(sen) van andere knooppunten, om naar uit te wijken", AllowMultipleArgumentsPerToken = true };
        var plain = new Option<bool>("--plain") { Description = "Eén regel per gebeurtenis in plaats van een live tabel (standaard als de uitvoer geen terminal is)" };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Na deze tijd stoppen (bijv. 00:10:00); standaard tot Ctrl+C" };
        var command = new Command("listen", "Live meldingen volgen; bevestigt ontvangst automatisch en verbindt zelf opnieuw") { since, hubs, plain, duration };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var session = RequireSession();
            var client = session.CreateClient();
            var urls = new List<Uri> { new(session.Url) };
            urls.AddRange((parse.GetValue(hubs) ?? []).Select(ParseUrl));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (parse.GetValue(duration) is { } limit)
            {
                stop.CancelAfter(limit);
            }
            await using var subscription = client.Subscribe(urls, new AlertSubscriptionOptions { SinceSequence = parse.GetValue(since) });
            var view = parse.GetValue(plain) || Console.IsOutputRedirected ? (IListenView)new PlainView() : new LiveView();
            subscription.AlertRaised += alert => view.ShowAsync(alert, isNew: true);
            subscription.AlertUpdated += alert => view.ShowAsync(alert, isNew: false);
            subscription.StatusChanged += view.Status;

            // The first connect tells a wrong address or an expired session apart from a hub that is merely restarting.
            await CheckReachableAsync(client, ct);
            await view.RunAsync(async () =>
            {
                await subscription.StartAsync(stop.Token);
                await Task.Delay(Timeout.Infinite, stop.Token);
            });
        }, parse));
        return command;
    }

    public static Command Ack()
    {
        var id = new Argument<string>("melding") { Description = "De melding: het korte id uit de kolom Id (minstens 4 tekens), het hele id of #volgnummer" };
        var response = new Argument<string>("reactie") { Description = "gezien, onderweg, ter-plaatse of kan-niet" };
        var command = new Command("ack", "Reageren op een melding") { id, response };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var answer = Words.Response(parse.GetValue(response));
            var client = RequireSession().CreateClient();
            var alertId = await AlertIds.ResolveAsync(client, parse.GetValue(id)!, ct);
            var alert = await client.AcknowledgeAsync(alertId, answer, ct);
            AnsiConsole.Write(AlertTable.Of(alert, "reactie"));
        }, parse));
        return command;
    }

    /// <summary>Issue 17: the drill report — who was reached how fast, who answered, the slowest discipline; or the printable page.</summary>
    public static Command DrillReport()
    {
        var id = new Argument<string>("melding") { Description = "De oefening: het korte id (minstens 4 tekens), het hele id of #volgnummer" };
        var html = new Option<string?>("--html") { HelpName = "bestand", Description = "Het afdrukbare verslag (HTML) in dit bestand schrijven" };
        var command = new Command("drill-report", "Het verslag van een oefening") { id, html };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var client = RequireSession().CreateClient();
            var alertId = await AlertIds.ResolveAsync(client, parse.GetValue(id)!, ct);
            var report = await client.GetDrillReportAsync(alertId, ct);
            AnsiConsole.MarkupLine($"[bold]OEFENING[/] {Markup.Escape(report.SchoolName)} {AlertTable.Time(report.RaisedAt)}: {report.RecipientCount} ontvangers, "
                + $"{report.ReachedCount} bereikt, {report.AnsweredCount} gereageerd.");
            var table = new Table().AddColumns("Ontvanger", "Discipline", "Ontvangen na", "Sms", "Reactie", "Na");
            foreach (var r in report.Recipients)
            {
                table.AddRow(Markup.Escape(r.Name), r.Discipline is { } d ? AlertTable.Discipline(d) : "—", Seconds(r.ReceivedAfterSeconds),
                    r.TextedAt is { } sms ? AlertTable.Time(sms) : "—", r.Response is { } a ? AlertTable.Answer(a) : "geen", Seconds(r.AnsweredAfterSeconds));
            }
            AnsiConsole.Write(table);
            if (report.SlowestDiscipline is { } slow)
            {
                AnsiConsole.MarkupLine($"Traagste discipline: [bold]{AlertTable.Discipline(slow)}[/].");
            }
            AnsiConsole.MarkupLine(report.Unreachable.Count == 0 ? "Iedereen is bereikt." : $"[yellow]Niet bereikt:[/] {Markup.Escape(string.Join(", ", report.Unreachable))}.");
            if (parse.GetValue(html) is { } file)
            {
                await File.WriteAllTextAsync(file, await client.GetDrillReportHtmlAsync(alertId, ct), ct);
                AnsiConsole.MarkupLine($"Afdrukbaar verslag geschreven naar {Markup.Escape(file)}.");
            }
        }, parse));
        return command;

        static string Seconds(double? s) => s is { } v ? $"{v:0} s" : "—";
    }

    /// <summary>Issue 17: who is on call and reachable per discipline, the roster's gaps, and this morning's check.</summary>
    public static Command Coverage()
    {
        var command = new Command("coverage", "Bereikbaarheid: wie er per discipline dienst heeft en bereikbaar is, gaten in het rooster, de controle van vanochtend");
        command.SetAction((parse, ct) => Run(async () =>
        {
            var client = RequireSession().CreateClient();
            var coverage = await client.GetCoverageAsync(ct);
            var table = new Table().AddColumns("Discipline", "Dienst", "Bereikbaar");
            foreach (var d in coverage.Now)
            {
                var people = d.OnCall.Count == 0 ? "niemand" : string.Join(", ", d.OnCall.Select(p => p.IsBackup ? $"{p.Name} (reserve)" : p.Name));
                var reach = string.Join(", ", d.OnCall.Select(p => p.Reachable switch { true => "ja", false => "nee", null => "onbekend" }));
                table.AddRow(AlertTable.Discipline(d.Discipline), Markup.Escape(people), d.Gap ? $"[red]{Markup.Escape(reach.Length == 0 ? "—" : reach)}[/]" : Markup.Escape(reach));
            }
            AnsiConsole.Write(table);
            foreach (var gap in coverage.Now.Where(d => d.Gap))
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(gap.Notice ?? "")}[/]");
            }
            foreach (var (title, gaps) in new[] { ("Vandaag", coverage.Today), ("Morgen", coverage.Tomorrow) })
            {
                AnsiConsole.MarkupLine(gaps.Count == 0 ? $"{title}: geen gaten in het rooster." : $"[yellow]{title}:[/]");
                foreach (var g in gaps)
                {
                    AnsiConsole.MarkupLine($"  {Markup.Escape(g.Text)}");
                }
            }
            if (coverage.LastCheck is not { } check)
            {
                AnsiConsole.MarkupLine("Vandaag is er nog geen controle geweest.");
                return;
            }
            var unreachable = check.Targets.Where(t => t.Reachable == false).ToList();
            AnsiConsole.MarkupLine($"Controle van {AlertTable.Time(check.StartedAt)}: {check.Targets.Count(t => t.Reachable == true)} van {check.Targets.Count} bereikbaar"
                + (check.ConcludedAt is null ? $" (loopt tot {AlertTable.Time(check.AnswerBy)})." : "."));
            foreach (var t in unreachable)
            {
                AnsiConsole.MarkupLine($"  [yellow]{Markup.Escape(t.Name)}[/]: {Markup.Escape(t.Reason ?? "")}{(t.SmsSent ? " — sms gestuurd" : "")}");
            }
        }, parse));
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
            foreach (var alert in alerts.OrderBy(a => a.Sequence))
            {
                AnsiConsole.Write(AlertTable.Of(alert, "open"));
            }
        }, parse));
        return command;
    }

    /// <summary>
    /// Tells a wrong address or an ended session apart from a hub that is down: the first two end the command,
    /// a hub that is down (restarting, a node lost) is what the subscription keeps retrying, across every --hub.
    /// </summary>
    private static async Task CheckReachableAsync(AlertHubClient client, CancellationToken ct)
    {
        try
        {
            await client.GetMeAsync(ct);
        }
        catch (AlertHubException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new UserError($"Op {client.Http.BaseAddress} draait geen AlertHub. Log opnieuw in met het juiste --url.");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine($"[yellow]De hub op {Markup.Escape(client.Http.BaseAddress?.ToString() ?? "")} is nu niet bereikbaar[/]; "
                + "er wordt opnieuw verbonden (ook met de andere --hub-adressen).");
        }
    }

    private static AlertKind? ParseKind(string? value) => value is null ? null : Words.Kind(value);

    /// <summary>Asks for the password without showing it; only where someone can type it.</summary>
    private static string AskPassword()
    {
        if (Console.IsInputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            throw new UserError("Geef het wachtwoord: typ het als erom gevraagd wordt (in een terminal), of zet ALERTHUB_PASSWORD.");
        }
        return AnsiConsole.Prompt(new TextPrompt<string>("Wachtwoord:").Secret());
    }

    internal static Session RequireSession() =>
        Session.Load() ?? throw new UserError("Niet ingelogd: gebruik eerst 'alerthub login'.");

    internal static Uri ParseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UserError($"Ongeldig adres '{url}': gebruik bijvoorbeeld http://127.0.0.1:5080.");

    /// <summary>Runs a command and turns the failures a user can act on into one clear Dutch line and exit code 1.</summary>
    internal static async Task<int> Run(Func<Task> action, ParseResult parse)
    {
        var session = Session.Load();
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
            return Fail("Je sessie is verlopen of ingetrokken: log opnieuw in met 'alerthub login'.");
        }
        catch (AlertHubException e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            return Fail(Joined("Dat mag je niet met dit account.", ProblemText(e)));
        }
        catch (AlertHubException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return Fail(Joined("Niet gevonden, of niet voor jou zichtbaar.", ProblemText(e)));
        }
        catch (AlertHubException e) when (e.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return Fail(Joined("Te veel verzoeken achter elkaar; probeer het zo opnieuw.", ProblemText(e)));
        }
        catch (AlertHubException e)
        {
            return Fail(Joined($"De hub weigerde het verzoek ({(int)e.StatusCode}).", ProblemText(e)));
        }
        catch (HttpRequestException)
        {
            return Fail($"De hub op {session?.Url ?? "het opgeslagen adres"} is niet bereikbaar. Draait hij, en klopt het adres?");
        }
        catch (OperationCanceledException) when (parse.CommandResult.Command.Name == "listen")
        {
            return 0;
        }
        catch (TaskCanceledException)
        {
            return Fail("Geen antwoord van de hub binnen de tijd.");
        }
    }

    /// <summary>The hub's Dutch words for a refusal: title, detail and every field error (never the bare status name).</summary>
    internal static string ProblemText(AlertHubException e)
    {
        if (string.IsNullOrWhiteSpace(e.Problem))
        {
            return "";
        }
        try
        {
            using var doc = JsonDocument.Parse(e.Problem);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "";
            }
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var parts = new List<string?> { root.TryGetProperty("detail", out var d) ? d.GetString() : null };
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                parts.AddRange(errors.EnumerateObject().SelectMany(field => field.Value.ValueKind == JsonValueKind.Array
                    ? field.Value.EnumerateArray().Select(m => m.GetString())
                    : [field.Value.ToString()]));
            }
            var why = string.Join(" ", parts.Where(p => !string.IsNullOrWhiteSpace(p) && p != title).Distinct());
            return string.IsNullOrWhiteSpace(title) ? why : why.Length == 0 ? title : $"{title}: {why}";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static string Joined(string what, string why) => why.Length == 0 ? what : $"{what} {why}";

    private static int Fail(string message)
    {
        Output.Error(message);
        return 1;
    }
}

internal sealed class UserError(string message) : Exception(message);
