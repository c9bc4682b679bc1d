using System.Globalization;
using System.Net;
using System.Text;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Escalation;
using AlertHub.Hotline;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Evaluations;

/// <summary>
/// The export for the network meeting, in Dutch, as Markdown or printable HTML: per evaluation the
/// alert's timeline (times, disciplines, organisations, responses), the answers and the action items.
/// No names of people and no free text from the alert (note, updates) unless the team lead includes it.
/// </summary>
internal sealed record ExportEvaluations(Guid CallerId, Guid? EvaluationId, DateOnly? From, DateOnly? Until, string Format, bool IncludeNotes)
    : IQuery<ExportDocument>, ICallerMessage;

internal sealed record ExportDocument(string Content, string ContentType, string FileName);

internal sealed class ExportEvaluationsHandler(AlertHubDbContext db, TimeProvider time, IOptions<HotlineOptions> hotline, Callers callers)
    : IQueryHandler<ExportEvaluations, ExportDocument>
{
    public async ValueTask<ExportDocument> Handle(ExportEvaluations query, CancellationToken ct)
    {
        if (query.Format is not ("md" or "html"))
        {
            throw Invalid.Field("format", "Kies md of html.");
        }
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var includeNotes = query.IncludeNotes && caller.Role == PersonRole.TeamLead;
        List<Evaluation> evaluations;
        string title;
        if (query.EvaluationId is { } id)
        {
            evaluations = [await db.EvaluationForAsync(id, caller, ct)];
            title = "Evaluatie melding";
        }
        else
        {
            if (caller.Role != PersonRole.TeamLead)
            {
                throw new ForbiddenException("Alleen de regievoerder exporteert een periode.");
            }
            var zone = HotlineHours.For(hotline.Value, null).TimeZone;
            var from = query.From ?? DateOnly.FromDateTime(time.Now().UtcDateTime.AddDays(-28));
            var until = query.Until ?? DateOnly.FromDateTime(time.Now().UtcDateTime);
            if (until < from)
            {
                throw Invalid.Field("until", "De einddatum ligt voor de begindatum.");
            }
            var start = Local(from, zone);
            var end = Local(until.AddDays(1), zone);
            evaluations = await db.Evaluations.VisibleTo(caller)
                .Where(e => e.Status != EvaluationStatus.Cancelled && e.Alert!.RaisedAt >= start && e.Alert.RaisedAt < end)
                .WithDetails().ToListAsync(ct);
            evaluations = evaluations.OrderBy(e => e.Alert!.RaisedAt).ToList();
            title = $"Evaluaties {from:dd-MM-yyyy} t/m {until:dd-MM-yyyy}";
        }
        foreach (var evaluation in evaluations.Where(e => e.Alert is not null))
        {
            await db.Entry(evaluation.Alert!).Collection(a => a.Updates).LoadAsync(ct);
        }

        var regionZone = HotlineHours.For(hotline.Value, await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == caller.RegionId, ct)).TimeZone;
        var markdown = Render(title, evaluations, includeNotes, regionZone, time.Now());
        var name = query.EvaluationId is { } single ? $"evaluatie-{single:N}"[..19] : "evaluaties";
        return query.Format == "md"
            ? new ExportDocument(markdown, "text/markdown; charset=utf-8", name + ".md")
            : new ExportDocument(Printable.Html(title, markdown), "text/html; charset=utf-8", name + ".html");
    }

    private static DateTimeOffset Local(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static string Render(string title, List<Evaluation> evaluations, bool includeNotes, TimeZoneInfo zone, DateTimeOffset now)
    {
        string T(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, zone).ToString("dd-MM-yyyy HH:mm", CultureInfo.InvariantCulture);
        string Line(string? text) => string.IsNullOrWhiteSpace(text) ? "_(niet ingevuld)_" : text.ReplaceLineEndings(" ");
        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        md.AppendLine($"Gemaakt op {T(now)}. Zonder namen van leerlingen; notities alleen als de regievoerder ze opneemt.").AppendLine();
        if (evaluations.Count == 0)
        {
            md.AppendLine("Geen evaluaties in deze periode.");
        }
        foreach (var e in evaluations)
        {
            var alert = e.Alert!;
            md.AppendLine($"## {alert.SchoolName} — {SmsText.KindText(alert.Kind)} — {T(alert.RaisedAt)}").AppendLine();
            md.AppendLine($"Status melding: {StatusText(alert.Status)}; evaluatie: {(e.Status == EvaluationStatus.Closed ? "gesloten" : e.IsOverdue(now) ? "open (te laat)" : "open")}; gepland {T(e.DueAt)}.").AppendLine();
            md.AppendLine("### Tijdlijn").AppendLine();
            md.AppendLine("| tijd | wat |").AppendLine("|---|---|");
            md.AppendLine($"| {T(alert.RaisedAt)} | melding gemaakt door de school ({alert.Recipients.Count} ontvangers) |");
            foreach (var r in alert.Recipients.Where(r => r.RespondedAt is not null).OrderBy(r => r.RespondedAt))
            {
                md.AppendLine($"| {T(r.RespondedAt!.Value)} | {Who(r)}: {SmsText.ResponseText(r.Response!.Value)} |");
            }
            foreach (var r in alert.Recipients.Where(r => r.Reason is RecipientReason.Backup or RecipientReason.TeamLead))
            {
                md.AppendLine($"| — | opgeschaald naar {Who(r)} |");
            }
            var updates = alert.Updates.OrderBy(u => u.At).ToList();
            if (includeNotes)
            {
                if (alert.Note is { } note)
                {
                    md.AppendLine($"| {T(alert.RaisedAt)} | notitie: {note.ReplaceLineEndings(" ")} |");
                }
                foreach (var u in updates)
                {
                    md.AppendLine($"| {T(u.At)} | update: {u.Text.ReplaceLineEndings(" ")} |");
                }
            }
            else if (updates.Count > 0)
            {
                md.AppendLine($"| — | {updates.Count} update(s); tekst niet opgenomen |");
            }
            if (alert.ClosedAt is { } closed)
            {
                md.AppendLine($"| {T(closed)} | melding {StatusText(alert.Status)} |");
            }
            md.AppendLine();
            md.AppendLine($"### {EvaluationQuestions.WentWell}").AppendLine().AppendLine(Line(e.WentWell)).AppendLine();
            md.AppendLine($"### {EvaluationQuestions.WentWrong}").AppendLine().AppendLine(Line(e.WentWrong)).AppendLine();
            md.AppendLine($"### {EvaluationQuestions.Cooperation}").AppendLine().AppendLine(Line(e.Cooperation)).AppendLine();
            md.AppendLine("### Actiepunten").AppendLine();
            if (e.ActionItems.Count == 0)
            {
                md.AppendLine("Geen actiepunten.").AppendLine();
                continue;
            }
            md.AppendLine("| actiepunt | eigenaar | datum | klaar |").AppendLine("|---|---|---|---|");
            foreach (var a in e.ActionItems.OrderBy(a => a.Position))
            {
                md.AppendLine($"| {a.Description.ReplaceLineEndings(" ")} | {a.Owner ?? "—"} | {a.DueDate?.ToString("dd-MM-yyyy", CultureInfo.InvariantCulture) ?? "—"} | {(a.Done ? "ja" : "nee")} |");
            }
            md.AppendLine();
        }
        return md.ToString();
    }

    private static string Who(Recipient r) =>
        string.Join(" / ", new[] { r.Discipline is { } d ? EscalationJob.DisciplineText(d) : null, r.Organisation }.Where(x => !string.IsNullOrEmpty(x)));

    private static string StatusText(AlertStatus status) => status switch
    {
        AlertStatus.Resolved => "afgehandeld",
        AlertStatus.Cancelled => "ingetrokken (vals alarm)",
        _ => "open",
    };
}
