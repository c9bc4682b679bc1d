using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Hotline;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Dashboard;

/// <summary>R12: the region's figures per month (local time) for the last twelve months.</summary>
internal sealed record GetDashboard(Guid CallerId) : IQuery<DashboardDto>, ICallerMessage;

internal sealed record DashboardDto(
    string RegionId,
    IReadOnlyList<string> Months,
    IReadOnlyList<SchoolSeries> AlertsPerSchool,
    IReadOnlyList<double?> MedianSecondsToFirstAck,
    IReadOnlyList<double?> SmsFallbackPercent,
    IReadOnlyList<int> EvaluationsOverdue,
    int EvaluationsOverdueNow);

internal sealed record SchoolSeries(string SchoolId, string SchoolName, IReadOnlyList<int> Counts);

internal sealed class GetDashboardHandler(
    AlertHubDbContext db, TimeProvider time, IOptions<HotlineOptions> hotline,
    Callers callers)
    : IQueryHandler<GetDashboard, DashboardDto>
{
    private const int MonthCount = 12;

    public async ValueTask<DashboardDto> Handle(GetDashboard query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var region = caller.RegionId!;
        var zone = HotlineHours.For(hotline.Value, region: null).TimeZone;
        var now = time.GetUtcNow();
        var thisMonth = FirstOfMonth(TimeZoneInfo.ConvertTime(now, zone));
        var months = Enumerable.Range(0, MonthCount).Select(i => thisMonth.AddMonths(i - MonthCount + 1)).ToList();
        var since = new DateTimeOffset(months[0], zone.GetUtcOffset(months[0])).ToUniversalTime();

        // Small per region (tens of alerts a month): read the rows once, bucket by local month in memory.
        var alerts = await db.Alerts.AsNoTracking()
            .Where(a => a.RegionId == region && a.RaisedAt >= since && !a.Drill)
            .Select(a => new AlertRow(a.Id, a.SchoolId, a.SchoolName, a.RaisedAt, a.Status,
                a.Recipients.Count, a.Recipients.Where(r => r.RespondedAt != null).Min(r => r.RespondedAt)))
            .ToListAsync(ct);
        var alertIds = alerts.Select(a => a.Id).ToList();
        var fallbacks = await db.SmsMessages.AsNoTracking()
            .Where(s => s.Purpose == SmsPurposes.Fallback && s.Status != SmsStatus.Cancelled && s.AlertId != null && alertIds.Contains(s.AlertId.Value))
            .Select(s => new { AlertId = s.AlertId!.Value, s.RecipientId })
            .Distinct()
            .ToListAsync(ct);
        var fallbacksPerAlert = fallbacks.GroupBy(f => f.AlertId).ToDictionary(g => g.Key, g => g.Count());

        int MonthOf(DateTimeOffset at) => months.IndexOf(FirstOfMonth(TimeZoneInfo.ConvertTime(at, zone)));
        var counted = alerts.Where(a => a.Status != AlertStatus.Cancelled).ToList();

        var perSchool = counted
            .GroupBy(a => (a.SchoolId, a.SchoolName))
            .OrderBy(g => g.Key.SchoolName, StringComparer.CurrentCulture)
            .Select(g =>
            {
                var counts = new int[MonthCount];
                foreach (var alert in g)
                {
                    counts[MonthOf(alert.RaisedAt)]++;
                }
                return new SchoolSeries(g.Key.SchoolId, g.Key.SchoolName, counts);
            })
            .ToList();

        var medians = months.Select((_, i) => Median(counted
                .Where(a => MonthOf(a.RaisedAt) == i && a.FirstResponseAt is not null)
                .Select(a => (a.FirstResponseAt!.Value - a.RaisedAt).TotalSeconds)))
            .ToList();

        var fallbackPercent = months.Select((_, i) =>
            {
                var inMonth = counted.Where(a => MonthOf(a.RaisedAt) == i).ToList();
                var recipients = inMonth.Sum(a => a.RecipientCount);
                return recipients == 0
                    ? (double?)null
                    : Math.Round(100.0 * inMonth.Sum(a => fallbacksPerAlert.GetValueOrDefault(a.Id)) / recipients, 1);
            })
            .ToList();

        // Overdue = still open after its due time; counted per month of the alert it evaluates.
        var overdue = await db.Evaluations.AsNoTracking()
            .Where(e => e.RegionId == region && e.Status == EvaluationStatus.Open && e.DueAt <= now)
            .Select(e => e.Alert!.RaisedAt)
            .ToListAsync(ct);
        var overduePerMonth = months.Select((_, i) => overdue.Count(raisedAt => MonthOf(raisedAt) == i)).ToList();

        return new DashboardDto(region, months.Select(m => m.ToString("yyyy-MM")).ToList(), perSchool,
            medians, fallbackPercent, overduePerMonth, overdue.Count);
    }

    private static DateTime FirstOfMonth(DateTimeOffset local) => new(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);

    private static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }
        var middle = sorted.Count / 2;
        var median = sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return Math.Round(median, 1);
    }

    private sealed record AlertRow(
        Guid Id, string SchoolId, string SchoolName, DateTimeOffset RaisedAt, AlertStatus Status,
        int RecipientCount, DateTimeOffset? FirstResponseAt);
}
