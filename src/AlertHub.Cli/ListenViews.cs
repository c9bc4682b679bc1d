using System.Globalization;
using AlertHub.Client;
using Spectre.Console;

namespace AlertHub.Cli;

/// <summary>How <c>listen</c> shows what the subscription reports.</summary>
internal interface IListenView
{
    Task ShowAsync(AlertDto alert, bool isNew);
    void Status(SubscriptionStatus status);
    Task RunAsync(Func<Task> listen);
}

/// <summary>One line per event: for logs, pipes and tests.</summary>
internal sealed class PlainView : IListenView
{
    public Task ShowAsync(AlertDto alert, bool isNew)
    {
        var recipients = string.Join(", ", alert.Recipients.Select(r =>
            $"{r.Name}={AlertTable.Delivery(r.Delivery)}{(r.Response is null ? "" : "/" + AlertTable.Answer(r.Response.Value))}"));
        Output.Line($"{(isNew ? "NIEUW" : "BIJGEWERKT")} #{alert.Sequence} {AlertTable.Time(alert.RaisedAt)} {alert.SchoolName} "
            + $"{AlertTable.Kind(alert.Kind)} {AlertTable.Status(alert.Status)} id={alert.Id} | {recipients}");
        return Task.CompletedTask;
    }

    public void Status(SubscriptionStatus status) =>
        Output.Line(status.State switch
        {
            SubscriptionState.Connected => $"VERBONDEN {status.Url}",
            SubscriptionState.Reconnecting => $"VERBINDING WEG {status.Url}; opnieuw over {status.RetryIn?.TotalSeconds.ToString("0.0", CultureInfo.GetCultureInfo("nl-NL"))} s",
            SubscriptionState.Connecting => $"VERBINDEN {status.Url}",
            _ => "GESTOPT",
        });

    public Task RunAsync(Func<Task> listen) => listen();
}

/// <summary>A live table of the alerts seen so far with every recipient's state; rings the terminal bell on a new alert.</summary>
internal sealed class LiveView : IListenView
{
    private readonly Dictionary<Guid, AlertDto> _alerts = [];
    private readonly Lock _lock = new();
    private readonly Table _table = new Table().Expand()
        .AddColumns("#", "Id", "School", "Soort", "Status", "Gemeld", "Ontvangers (bezorging / reactie)");
    private string _status = "verbinden…";
    private LiveDisplayContext? _context;

    public Task ShowAsync(AlertDto alert, bool isNew)
    {
        if (isNew)
        {
            // The bell is the point of a listener on a desk: it must be heard, not only seen.
            Console.Out.Write('\a');
        }
        lock (_lock)
        {
            _alerts[alert.Id] = alert;
            Render();
        }
        return Task.CompletedTask;
    }

    public void Status(SubscriptionStatus status)
    {
        lock (_lock)
        {
            _status = status.State switch
            {
                SubscriptionState.Connected => $"[green]verbonden[/] met {Markup.Escape(status.Url?.ToString() ?? "")}",
                SubscriptionState.Reconnecting => $"[yellow]verbinding weg[/], opnieuw over {status.RetryIn?.TotalSeconds.ToString("0.0", CultureInfo.GetCultureInfo("nl-NL"))} s",
                SubscriptionState.Connecting => $"verbinden met {Markup.Escape(status.Url?.ToString() ?? "")}…",
                _ => "gestopt",
            };
            Render();
        }
    }

    public Task RunAsync(Func<Task> listen) =>
        AnsiConsole.Live(_table).AutoClear(false).StartAsync(async context =>
        {
            lock (_lock)
            {
                _context = context;
                Render();
            }
            await listen();
        });

    private void Render()
    {
        _table.Rows.Clear();
        foreach (var alert in _alerts.Values.OrderByDescending(a => a.Sequence).Take(20))
        {
            var status = alert.Status == AlertStatus.Open ? "[red bold]open[/]" : AlertTable.Status(alert.Status);
            var recipients = string.Join("\n", alert.Recipients.Select(r =>
                $"{Markup.Escape(r.Name)}: {AlertTable.Delivery(r.Delivery)}{(r.Response is null ? "" : " / [bold]" + AlertTable.Answer(r.Response.Value) + "[/]")}"));
            _table.AddRow(new Markup(alert.Sequence.ToString(CultureInfo.InvariantCulture)), new Markup(AlertIds.Short(alert.Id)),
                new Markup(Markup.Escape(alert.SchoolName)), new Markup(AlertTable.Kind(alert.Kind)), new Markup(status),
                new Markup(AlertTable.Time(alert.RaisedAt)), new Markup(recipients));
        }
        _table.Caption($"{_status} · Ctrl+C stopt");
        _context?.Refresh();
    }
}

internal static class AlertTable
{
    public static Table Of(AlertDto alert, string label)
    {
        var table = new Table()
            .Title($"[bold]{label}[/] #{alert.Sequence} {Markup.Escape(alert.SchoolName)} · {Kind(alert.Kind)} · {Status(alert.Status)} · {Time(alert.RaisedAt)}")
            .AddColumns("Ontvanger", "Discipline", "Bezorging", "Reactie")
            .Caption($"id {alert.Id} (kort: {AlertIds.Short(alert.Id)})");
        foreach (var r in alert.Recipients)
        {
            table.AddRow(Markup.Escape(r.Name), r.Discipline is { } d ? Discipline(d) : "", Delivery(r.Delivery),
                r.Response is null ? "" : $"{Answer(r.Response.Value)} {(r.RespondedAt is { } at ? Time(at) : "")}");
        }
        return table;
    }

    private static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    /// <summary>A moment as the network reads it, in Amsterdam time like the SMS and exports (a server's clock is often UTC).</summary>
    public static string Time(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Amsterdam);
        var today = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Amsterdam).Date;
        return local.ToString(local.Date == today ? "HH:mm:ss" : "d-M-yyyy HH:mm:ss", CultureInfo.InvariantCulture);
    }

    public static string Discipline(Discipline discipline) => discipline switch
    {
        Client.Discipline.Police => "politie",
        Client.Discipline.YouthWork => "jongerenwerk",
        Client.Discipline.Enforcement => "handhaving",
        Client.Discipline.YouthAmbassador => "jeugdambassadeur",
        Client.Discipline.CompulsoryEducation => "leerplicht",
        Client.Discipline.SchoolSocialWork => "schoolmaatschappelijk werk",
        Client.Discipline.YouthCare => "jeugdzorg",
        Client.Discipline.Municipality => "gemeente",
        _ => "school",
    };

    public static string Kind(AlertKind kind) => kind switch
    {
        AlertKind.Threat => "dreigende situatie",
        AlertKind.Weapon => "wapen",
        AlertKind.Fight => "vechtpartij",
        AlertKind.GroupMoving => "groep onderweg",
        _ => "anders",
    };

    public static string Status(AlertStatus status) => status switch
    {
        AlertStatus.Open => "open",
        AlertStatus.Resolved => "afgehandeld",
        _ => "ingetrokken",
    };

    public static string Delivery(DeliveryState state) => state switch
    {
        DeliveryState.Pending => "wacht",
        DeliveryState.Pushed => "gepusht",
        DeliveryState.Received => "ontvangen",
        DeliveryState.SmsSent => "sms verstuurd",
        DeliveryState.SmsDelivered => "sms bezorgd",
        _ => "sms mislukt",
    };

    public static string Answer(AckResponse response) => response switch
    {
        AckResponse.Seen => "gezien",
        AckResponse.OnMyWay => "onderweg",
        AckResponse.OnScene => "ter plaatse",
        _ => "kan niet",
    };
}
