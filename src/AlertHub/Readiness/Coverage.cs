using System.Globalization;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Escalation;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.People;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Readiness;

/// <summary>
/// Issue 17: is each required discipline (police, youth work, enforcement) covered — someone on call now who was
/// not found unreachable at today's opening check — and where has the roster no one today and tomorrow. Used by the
/// team lead's coverage screen and by the raise, which tells the coordinator at once whom to call instead.
/// </summary>
internal sealed class CoverageService(AlertHubDbContext db, AlertAudience audience, IOptions<HotlineOptions> hotline)
{
    public async Task<CoverageDto> ForRegionAsync(string regionId, DateTimeOffset now, CancellationToken ct)
    {
        var region = await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == regionId, ct);
        var hours = HotlineHours.For(hotline.Value, region);
        var today = hours.LocalDate(now);
        var check = await LastCheckAsync(regionId, today, ct);
        var current = await NowAsync(regionId, now, Reachability(check), ct);
        var todayGaps = await RosterGapsAsync(regionId, hours, today, now, ct);
        var tomorrowGaps = await RosterGapsAsync(regionId, hours, today.AddDays(1), now, ct);
        return new CoverageDto(regionId, now, hours.IsOpenAt(now), current, todayGaps, tomorrowGaps, check is null ? null : await ToDtoAsync(check, now, ct));
    }

    /// <summary>A person's answer to the check, as <see cref="ReadinessCheck.Reachable"/> reads it; null without a check.</summary>
    public static Func<Guid, bool?> Reachability(ReadinessCheck? check) => check is null
        ? _ => null
        : Reachability([.. check.Targets.Select(t => new ReachabilityRow(t.PersonId, t.AnsweredAt is not null))], check.ConcludedAt is not null);

    /// <summary>
    /// A person's answer to a check from its targets' rows (the raise reads only those, <see cref="RaiseLookups"/>):
    /// null when the person was not asked.
    /// </summary>
    public static Func<Guid, bool?> Reachability(IReadOnlyList<ReachabilityRow> targets, bool concluded) =>
        personId => targets.FirstOrDefault(t => t.PersonId == personId) is { } target ? ReadinessCheck.ReachableOf(target.Answered, concluded) : null;

    /// <summary>
    /// Per required discipline: who is on call now (main, then backups) and whether they are a gap.
    /// <paramref name="reachable"/> is a person's answer to today's check (null: not asked, or not known yet).
    /// </summary>
    public async Task<List<DisciplineCoverageDto>> NowAsync(string regionId, DateTimeOffset now, Func<Guid, bool?> reachable, CancellationToken ct)
    {
        // From the directory as routing reads it (issue 16: three queries on every raise in hotline hours before),
        // so the notice names the same on-call people the alert was just routed to.
        var directory = await audience.DirectoryAsync(ct);
        var entries = directory.RosterByRegion[regionId]
            .Where(r => r.From <= now && r.Until > now)
            .Select(r => new { r.PersonId, r.IsBackup })
            .ToList();
        var ids = entries.Select(e => e.PersonId).ToHashSet();
        var people = directory.ActiveByRegion[regionId].Where(p => ids.Contains(p.Id) && p.Role == PersonRole.Partner).ToList();
        var teamLead = directory.ActiveByRegion[regionId].Where(p => p.Role == PersonRole.TeamLead)
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();

        var result = new List<DisciplineCoverageDto>();
        foreach (var discipline in AlertAudience.RequiredDisciplines)
        {
            var onCall = entries
                .Select(e => (Entry: e, Person: people.FirstOrDefault(p => p.Id == e.PersonId && p.Discipline == discipline)))
                .Where(x => x.Person is not null)
                .OrderBy(x => x.Entry.IsBackup).ThenBy(x => x.Person!.Name, StringComparer.Ordinal)
                .Select(x => new OnCallDto(x.Person!.Id, x.Person.Name, x.Person.Organisation?.Name, x.Entry.IsBackup, reachable(x.Person.Id)))
                .DistinctBy(o => o.PersonId)
                .ToList();
            var gap = !onCall.Any(o => !o.IsBackup && o.Reachable != false);
            if (!gap)
            {
                result.Add(new DisciplineCoverageDto(discipline, onCall, false, null, null, null));
                continue;
            }
            // Whom to call instead: a backup not found unreachable, else the team lead.
            var backup = onCall.FirstOrDefault(o => o.IsBackup && o.Reachable != false) is { } b ? people.First(p => p.Id == b.PersonId) : null;
            var call = backup ?? teamLead;
            var what = EscalationJob.DisciplineText(discipline);
            var notice = call is null
                ? $"Geen {what} bereikbaar — bel bij acuut gevaar 112."
                : $"Geen {what} bereikbaar — bel {call.Name}{(call.Phone is { Length: > 0 } phone ? $" ({phone})" : "")}.";
            result.Add(new DisciplineCoverageDto(discipline, onCall, true, notice, call?.Name, call?.Phone));
        }
        return result;
    }

    /// <summary>The parts of a day's hotline hours (from <paramref name="now"/> on) with nobody of a discipline on the main roster.</summary>
    public async Task<List<RosterGapDto>> RosterGapsAsync(string regionId, HotlineHours hours, DateOnly date, DateTimeOffset now, CancellationToken ct)
    {
        if (hours.OpeningOn(date) is not { } opening)
        {
            return [];
        }
        var closing = hours.ClosingAfter(date);
        var from = opening > now ? opening : now;
        if (from >= closing)
        {
            return [];
        }
        var entries = await db.RosterEntries.AsNoTracking()
            .Where(r => r.RegionId == regionId && !r.IsBackup && r.From < closing && r.Until > from)
            .Join(db.People.Where(p => p.Active && p.Role == PersonRole.Partner), r => r.PersonId, p => p.Id, (r, p) => new { r.From, r.Until, p.Discipline })
            .ToListAsync(ct);
        var gaps = new List<RosterGapDto>();
        foreach (var discipline in AlertAudience.RequiredDisciplines)
        {
            var cursor = from;
            foreach (var entry in entries.Where(e => e.Discipline == discipline).OrderBy(e => e.From))
            {
                if (entry.From > cursor)
                {
                    gaps.Add(Gap(discipline, cursor, entry.From < closing ? entry.From : closing, hours.TimeZone));
                }
                if (entry.Until > cursor)
                {
                    cursor = entry.Until;
                }
                if (cursor >= closing)
                {
                    break;
                }
            }
            if (cursor < closing)
            {
                gaps.Add(Gap(discipline, cursor, closing, hours.TimeZone));
            }
        }
        return gaps;
    }

    private Task<ReadinessCheck?> LastCheckAsync(string regionId, DateOnly today, CancellationToken ct) =>
        db.ReadinessChecks.AsNoTracking().Include(c => c.Targets).FirstOrDefaultAsync(c => c.RegionId == regionId && c.Day == today, ct);

    public async Task<ReadinessCheckDto> ToDtoAsync(ReadinessCheck check, DateTimeOffset now, CancellationToken ct)
    {
        var ids = check.Targets.Select(t => t.PersonId).ToList();
        var numbers = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id))
            .Select(p => new { p.Id, p.Phone, p.PhoneFlaggedAt }).ToDictionaryAsync(p => p.Id, ct);
        var targets = check.Targets.OrderBy(t => t.Discipline).ThenBy(t => t.Name, StringComparer.Ordinal).Select(t =>
        {
            var reachable = check.Reachable(t);
            string? reason = null;
            if (reachable == false)
            {
                var number = numbers.GetValueOrDefault(t.PersonId);
                var parts = new List<string> { t.Problem == ReadinessProblem.NoDevice ? "geen apparaat met meldingen aan" : "geen apparaat antwoordde" };
                if (number?.Phone is not { Length: > 0 })
                {
                    parts.Add("geen telefoonnummer");
                }
                else if (number.PhoneFlaggedAt is not null)
                {
                    parts.Add("sms komt niet aan op dit nummer");
                }
                reason = string.Join("; ", parts);
            }
            return new ReadinessTargetDto(t.PersonId, t.Name, t.Discipline, t.Devices, t.AnsweredAt, t.AnsweredVia, reachable, reason, t.SmsSent);
        }).ToList();
        return new ReadinessCheckDto(check.Id, check.RegionId, check.Day, check.StartedAt, check.AnswerBy, check.ConcludedAt, targets);
    }

    private static RosterGapDto Gap(Discipline discipline, DateTimeOffset from, DateTimeOffset until, TimeZoneInfo zone)
    {
        static string Local(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone).ToString("HH:mm", CultureInfo.InvariantCulture);
        var day = TimeZoneInfo.ConvertTime(from, zone).ToString("dddd d MMMM", CultureInfo.GetCultureInfo("nl-NL"));
        return new RosterGapDto(discipline, from, until,
            $"Geen {EscalationJob.DisciplineText(discipline)} ingeroosterd op {day} van {Local(from, zone)} tot {Local(until, zone)}.");
    }
}

/// <summary>Issue 17: the region's coverage, for its team lead and coordinators.</summary>
[Allowed("Het overzicht van de bereikbaarheid is voor de regievoerder en de coördinatoren.", PersonRole.TeamLead, PersonRole.Coordinator)]
internal sealed record GetCoverage(Guid CallerId) : IQuery<CoverageDto>, ICallerMessage;

internal sealed class GetCoverageHandler(Callers callers, CoverageService coverage, TimeProvider time) : IQueryHandler<GetCoverage, CoverageDto>
{
    public async ValueTask<CoverageDto> Handle(GetCoverage query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        return await coverage.ForRegionAsync(caller.RegionId!, time.Now(), ct);
    }
}

/// <summary>
/// Issue 17: a device answers the opening check — the service worker on the push, or the live app on the hub's
/// message or when it connects (<paramref name="CheckId"/> null: every check of the last day still waiting for them).
/// A late answer is kept too: it says the app works again (after the SMS), and coverage counts it.
/// </summary>
internal sealed record AnswerReadinessCheck(Guid CallerId, Guid? CheckId, string Via) : ICommand, ICallerMessage;

internal sealed class AnswerReadinessCheckHandler(AlertHubDbContext db, TimeProvider time) : ICommandHandler<AnswerReadinessCheck>
{
    public async ValueTask<Unit> Handle(AnswerReadinessCheck command, CancellationToken ct)
    {
        var via = command.Via is "webpush" or "app" ? command.Via : "app";
        var now = time.Now();
        var since = now.AddDays(-1);
        var waiting = db.ReadinessTargets.Where(t => t.PersonId == command.CallerId && t.AnsweredAt == null
            && (command.CheckId == null ? db.ReadinessChecks.Any(c => c.Id == t.CheckId && c.StartedAt > since) : t.CheckId == command.CheckId));
        // Read first: most connections have nothing waiting, and a read takes no write lock.
        if (await waiting.AnyAsync(ct))
        {
            // First answer wins, atomically; a second device changes nothing.
            await waiting.ExecuteUpdateAsync(s => s.SetProperty(t => t.AnsweredAt, now).SetProperty(t => t.AnsweredVia, via), ct);
        }
        return Unit.Value;
    }
}
