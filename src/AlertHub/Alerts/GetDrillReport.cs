using System.Globalization;
using System.Text;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Escalation;
using AlertHub.Evaluations;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Alerts;

/// <summary>
/// Issue 17: what a drill showed — per recipient when it was pushed, received, texted and answered, the slowest
/// discipline and who was not reached. For the region's coordinators and team lead; as JSON or printable.
/// </summary>
internal sealed record GetDrillReport(Guid CallerId, Guid AlertId) : IQuery<DrillReportDto>, ICallerMessage;

internal sealed class GetDrillReportHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<GetDrillReport, DrillReportDto>
{
    public async ValueTask<DrillReportDto> Handle(GetDrillReport query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var alert = await db.AlertInRegionAsync(query.AlertId, caller, ct);
        if (!caller.IsWatcher())
        {
            throw new ForbiddenException("Het verslag van een oefening is voor de coördinatoren en de regievoerder.");
        }
        if (!alert.Drill)
        {
            throw Invalid.Field("id", "Deze melding is geen oefening; een echte melding heeft een evaluatie.");
        }
        var texted = await db.SmsMessages.AsNoTracking()
            .Where(m => m.AlertId == alert.Id && m.RecipientId != null && m.SentAt != null)
            .Select(m => new { RecipientId = m.RecipientId!.Value, SentAt = m.SentAt!.Value })
            .ToListAsync(ct);
        var firstText = texted.GroupBy(t => t.RecipientId).ToDictionary(g => g.Key, g => g.Min(t => t.SentAt));
        return Build(alert, firstText);
    }

    internal static DrillReportDto Build(Alert alert, IReadOnlyDictionary<Guid, DateTimeOffset> firstText)
    {
        double? After(DateTimeOffset? at) => at is { } t ? Math.Max(0, (t - alert.RaisedAt).TotalSeconds) : null;
        var people = alert.Recipients.OrderBy(r => r.Discipline is null).ThenBy(r => r.Discipline).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new DrillRecipientDto(
                r.PersonId, r.Name, r.Organisation, r.Discipline, r.PushedAt, r.ReceivedAt,
                firstText.TryGetValue(r.Id, out var sms) ? sms : null, r.RespondedAt, r.Response,
                After(r.ReceivedAt), After(r.RespondedAt),
                Reached: r.ReceivedAt is not null || r.RespondedAt is not null || r.Delivery == DeliveryState.SmsDelivered))
            .ToList();
        var disciplines = people.Where(p => p.Discipline is not null).GroupBy(p => p.Discipline!.Value).OrderBy(g => g.Key)
            .Select(g => new DrillDisciplineDto(g.Key, g.Count(), g.Count(p => p.Reached), g.Min(p => p.AnsweredAfterSeconds)))
            .ToList();
        // The slowest: a discipline nobody answered for (the least reached first), else the one whose first answer came last.
        var slowest = (disciplines.Where(d => d.FirstAnswerSeconds is null).OrderBy(d => (double)d.Reached / d.Recipients).FirstOrDefault()
            ?? disciplines.OrderByDescending(d => d.FirstAnswerSeconds).FirstOrDefault())?.Discipline;
        var received = people.Where(p => p.ReceivedAfterSeconds is not null).Select(p => p.ReceivedAfterSeconds!.Value).Order().ToList();
        double? median = received.Count == 0 ? null
            : received.Count % 2 == 1 ? received[received.Count / 2] : (received[received.Count / 2 - 1] + received[received.Count / 2]) / 2;
        return new DrillReportDto(
            alert.Id, alert.SchoolName, alert.Kind, alert.RaisedByName, alert.RaisedAt, alert.Status,
            people.Count, people.Count(p => p.Reached), people.Count(p => p.RespondedAt is not null), median,
            people, disciplines, slowest, people.Where(p => !p.Reached).Select(p => p.Name).ToList());
    }
}

/// <summary>The drill report as printable HTML or Markdown, like the evaluation export.</summary>
internal sealed record ExportDrillReport(Guid CallerId, Guid AlertId, string Format) : IQuery<ExportDocument>, ICallerMessage;

internal sealed class ExportDrillReportHandler(IMediator mediator, AlertHubDbContext db, TimeProvider time, IOptions<HotlineOptions> hotline)
    : IQueryHandler<ExportDrillReport, ExportDocument>
{
    public async ValueTask<ExportDocument> Handle(ExportDrillReport query, CancellationToken ct)
    {
        if (query.Format is not ("md" or "html"))
        {
            throw Invalid.Field("format", "Kies json, md of html.");
        }
        var report = await mediator.Send(new GetDrillReport(query.CallerId, query.AlertId), ct);
        var region = await db.Alerts.AsNoTracking().Where(a => a.Id == query.AlertId).Select(a => a.RegionId).FirstAsync(ct);
        var zone = HotlineHours.For(hotline.Value, await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == region, ct)).TimeZone;
        var title = $"Oefening {report.SchoolName} {TimeZoneInfo.ConvertTime(report.RaisedAt, zone):dd-MM-yyyy}";
        var markdown = Render(title, report, zone, time.Now());
        var name = $"oefening-{query.AlertId:N}"[..18];
        return query.Format == "md"
            ? new ExportDocument(markdown, "text/markdown; charset=utf-8", name + ".md")
            : new ExportDocument(Printable.Html(title, markdown), "text/html; charset=utf-8", name + ".html");
    }

    internal static string Render(string title, DrillReportDto report, TimeZoneInfo zone, DateTimeOffset now)
    {
        string T(DateTimeOffset? at) => at is { } t ? TimeZoneInfo.ConvertTime(t, zone).ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "—";
        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        md.AppendLine($"OEFENING — {SmsText.KindText(report.Kind)} bij {report.SchoolName}, gestart door {report.RaisedBy} op "
            + $"{TimeZoneInfo.ConvertTime(report.RaisedAt, zone).ToString("dd-MM-yyyy HH:mm:ss", CultureInfo.InvariantCulture)}. Verslag gemaakt op "
            + $"{TimeZoneInfo.ConvertTime(now, zone).ToString("dd-MM-yyyy HH:mm", CultureInfo.InvariantCulture)}.").AppendLine();
        md.AppendLine($"{report.RecipientCount} ontvangers: {report.ReachedCount} bereikt, {report.AnsweredCount} gereageerd, "
            + $"{report.Unreachable.Count} niet bereikt. Mediaan tot ontvangst: {Duration(report.MedianReceivedSeconds)}.").AppendLine();
        md.AppendLine(report.SlowestDiscipline is { } slow
            ? $"Traagste discipline: {EscalationJob.DisciplineText(slow)} ({FirstAnswer(report.Disciplines.First(d => d.Discipline == slow))})."
            : "Geen disciplines onder de ontvangers.").AppendLine();
        md.AppendLine("## Per discipline").AppendLine();
        md.AppendLine("| discipline | ontvangers | bereikt | eerste reactie |").AppendLine("|---|---|---|---|");
        foreach (var d in report.Disciplines)
        {
            md.AppendLine($"| {EscalationJob.DisciplineText(d.Discipline)} | {d.Recipients} | {d.Reached} | {FirstAnswer(d)} |");
        }
        md.AppendLine().AppendLine("## Per ontvanger").AppendLine();
        md.AppendLine("| ontvanger | organisatie | discipline | gepusht | ontvangen | sms | gereageerd | reactie |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in report.Recipients)
        {
            md.AppendLine($"| {r.Name} | {r.Organisation ?? "—"} | {(r.Discipline is { } d ? EscalationJob.DisciplineText(d) : "—")} | {T(r.PushedAt)} | "
                + $"{T(r.ReceivedAt)} ({Duration(r.ReceivedAfterSeconds)}) | {T(r.TextedAt)} | {T(r.RespondedAt)} ({Duration(r.AnsweredAfterSeconds)}) | "
                + $"{(r.Response is { } a ? SmsText.ResponseText(a) : "geen")} |");
        }
        md.AppendLine().AppendLine("## Niet bereikt").AppendLine();
        md.AppendLine(report.Unreachable.Count == 0 ? "Iedereen is bereikt." : string.Join(", ", report.Unreachable) + ".");
        return md.ToString();
    }

    private static string FirstAnswer(DrillDisciplineDto d) =>
        d.FirstAnswerSeconds is null ? "niemand reageerde" : $"eerste reactie na {Duration(d.FirstAnswerSeconds)}";

    internal static string Duration(double? seconds) => seconds switch
    {
        null => "—",
        < 60 => $"{seconds.Value:0} s",
        _ => $"{(int)(seconds.Value / 60)} min {seconds.Value % 60:0} s",
    };
}

/// <summary>The schools a caller may start a drill for: the own school for a coordinator, every school of the region for a team lead.</summary>
internal sealed record ListDrillSchools(Guid CallerId) : IQuery<IReadOnlyList<DrillSchoolDto>>, ICallerMessage;

internal sealed record DrillSchoolDto(string Id, string Name);

internal sealed class ListDrillSchoolsHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<ListDrillSchools, IReadOnlyList<DrillSchoolDto>>
{
    public async ValueTask<IReadOnlyList<DrillSchoolDto>> Handle(ListDrillSchools query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var schools = caller.Role switch
        {
            PersonRole.TeamLead => db.Schools.Where(s => s.RegionId == caller.RegionId),
            PersonRole.Coordinator => db.Schools.Where(s => s.Id == caller.SchoolId),
            _ => throw new ForbiddenException("Een oefening start de coördinator of de regievoerder."),
        };
        var list = await schools.AsNoTracking().Select(s => new DrillSchoolDto(s.Id, s.Name)).ToListAsync(ct);
        return list.OrderBy(s => s.Name, StringComparer.CurrentCulture).ToList();
    }
}
