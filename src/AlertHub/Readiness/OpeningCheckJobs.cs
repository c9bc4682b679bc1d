using System.Globalization;
using System.Text.Json;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Delivery.WebPush;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.People;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Readiness;

internal static class ReadinessJobKinds
{
    public const string Opening = "readiness-opening";
    public const string Send = "readiness-send";
    public const string Conclude = "readiness-conclude";

    /// <summary>The one opening timer (unique per kind and subject, so two nodes starting at once make one).</summary>
    public static readonly Guid OpeningSubject = Guid.Empty;
}

/// <summary>
/// Issue 17: one timer for every region. It runs at the next hotline opening of any region (DST-correct, in each
/// region's time zone), starts that day's check for every region whose opening is due (within
/// <see cref="ReadinessOptions.CatchUp"/>, so a node that was down at 07:00 still runs it) and sets itself for the
/// next opening. The check row is unique per region and local day: whichever node or timer comes second starts nothing.
/// </summary>
internal sealed class OpeningCheckJob(
    AlertHubDbContext db,
    TimeProvider time,
    IOptions<HotlineOptions> hotline,
    IOptions<ReadinessOptions> options,
    ILogger<OpeningCheckJob> logger) : IJobHandler
{
    /// <summary>A new region or changed hours are seen at least this often.</summary>
    private static readonly TimeSpan LookAgain = TimeSpan.FromMinutes(15);

    public string Kind => ReadinessJobKinds.Opening;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var now = time.Now();
        var settings = options.Value;
        var regions = await db.Regions.AsNoTracking().ToListAsync(ct);
        var next = now + LookAgain;
        foreach (var region in regions)
        {
            var hours = HotlineHours.For(hotline.Value, region);
            var today = hours.LocalDate(now);
            if (settings.Enabled && hours.OpeningOn(today) is { } opening && opening <= now && now < opening + settings.CatchUp)
            {
                await StartAsync(region, today, now, ct);
            }
            for (var day = 0; day <= 8; day++)
            {
                if (hours.OpeningOn(today.AddDays(day)) is { } later && later > now)
                {
                    next = later < next ? later : next;
                    break;
                }
            }
        }
        return next;
    }

    private async Task StartAsync(Region region, DateOnly day, DateTimeOffset now, CancellationToken ct)
    {
        if (await db.ReadinessChecks.AnyAsync(c => c.RegionId == region.Id && c.Day == day, ct))
        {
            return;
        }
        var onCallIds = await db.RosterEntries.AsNoTracking()
            .Where(r => r.RegionId == region.Id && !r.IsBackup && r.From <= now && r.Until > now)
            .Select(r => r.PersonId).Distinct().ToListAsync(ct);
        var partners = await db.People.AsNoTracking()
            .Where(p => onCallIds.Contains(p.Id) && p.Active && p.RegionId == region.Id && p.Role == PersonRole.Partner)
            .Select(p => new { p.Id, p.Name, p.Discipline })
            .ToListAsync(ct);
        var ids = partners.Select(p => p.Id).ToList();
        var devices = await db.PushSubscriptions.AsNoTracking().Where(s => ids.Contains(s.PersonId))
            .GroupBy(s => s.PersonId).Select(g => new { PersonId = g.Key, Count = g.Count() }).ToListAsync(ct);
        var check = new ReadinessCheck { RegionId = region.Id, Day = day, StartedAt = now, AnswerBy = now + options.Value.CheckWindow };
        check.Targets.AddRange(partners.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new ReadinessTarget
        {
            PersonId = p.Id, Name = p.Name, Discipline = p.Discipline,
            Devices = devices.FirstOrDefault(d => d.PersonId == p.Id)?.Count ?? 0,
        }));
        db.ReadinessChecks.Add(check);
        // Sending and concluding are rows in the same transaction: a node dying after this commit hands both on.
        db.ScheduledJobs.Add(new ScheduledJob { Kind = ReadinessJobKinds.Send, SubjectId = check.Id, DueAt = now, CreatedAt = now });
        db.ScheduledJobs.Add(new ScheduledJob { Kind = ReadinessJobKinds.Conclude, SubjectId = check.Id, DueAt = check.AnswerBy, CreatedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Opening check {CheckId} for region {RegionId} on {Day}: {Count} on-call partners", check.Id, region.Id, day, check.Targets.Count);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another node started it a moment ago.
            db.ChangeTracker.Clear();
        }
    }
}

/// <summary>Sends the silent check: a data-only Web Push to every device of every target, and the hub message.</summary>
internal sealed class ReadinessSendJob(
    AlertHubDbContext db,
    WebPushSender sender,
    IHubContext<AlertsHub, IAlertsClient> hub,
    TimeProvider time,
    ILogger<ReadinessSendJob> logger) : IJobHandler
{
    public string Kind => ReadinessJobKinds.Send;

    public TimeSpan? Lease => TimeSpan.FromMinutes(5);

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var check = await db.ReadinessChecks.Include(c => c.Targets).FirstOrDefaultAsync(c => c.Id == job.SubjectId, ct);
        if (check is null || check.ConcludedAt is not null || time.Now() >= check.AnswerBy)
        {
            return null;
        }
        var waiting = check.Targets.Where(t => t.AnsweredAt is null).ToList();
        var ping = new ReadinessPingDto(check.Id, check.AnswerBy);
        await hub.Clients.Users(waiting.Select(t => t.PersonId.ToString()).ToList()).ReadinessCheck(ping);

        var ids = waiting.Select(t => t.PersonId).ToList();
        var subscriptions = await db.PushSubscriptions.Where(s => ids.Contains(s.PersonId)).ToListAsync(ct);
        // Data only: the service worker answers and shows nothing. Names nothing but the check.
        var payload = JsonSerializer.Serialize(new { type = "check", checkId = check.Id, answerBy = check.AnswerBy }, AlertHubJson.Options);
        var gone = 0;
        foreach (var subscription in subscriptions)
        {
            var outcome = await sender.SendAsync(subscription, payload, ct);
            if (outcome.Kind == PushOutcomeKind.Accepted)
            {
                subscription.LastSuccessAt = time.Now();
            }
            else if (outcome.Kind == PushOutcomeKind.Gone)
            {
                db.PushSubscriptions.Remove(subscription);
                gone++;
            }
            else
            {
                // One try is the check: a device its push service does not take now is what the check is there to find.
                subscription.Failures++;
                logger.LogInformation("Opening check push to {Host}: {Detail}", new Uri(subscription.Endpoint).Host, outcome.Detail);
            }
        }
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Opening check {CheckId}: {Pushes} pushes, {Gone} subscriptions gone", check.Id, subscriptions.Count, gone);
        return null;
    }
}

/// <summary>
/// At the end of the window: who did not answer is unreachable (no device, or none answered); each of them with a
/// number that works gets one SMS asking them to open the app. The team lead reads the list in the coverage screen.
/// </summary>
internal sealed class ReadinessConcludeJob(
    AlertHubDbContext db,
    SmsOutbox sms,
    TimeProvider time,
    IOptions<HotlineOptions> hotline,
    ILogger<ReadinessConcludeJob> logger) : IJobHandler
{
    public const string SmsPurpose = "readiness";

    public string Kind => ReadinessJobKinds.Conclude;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var check = await db.ReadinessChecks.Include(c => c.Targets).FirstOrDefaultAsync(c => c.Id == job.SubjectId, ct);
        if (check is null || check.ConcludedAt is not null)
        {
            return null;
        }
        var region = await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == check.RegionId, ct);
        var zone = HotlineHours.For(hotline.Value, region).TimeZone;
        var at = TimeZoneInfo.ConvertTime(check.StartedAt, zone).ToString("HH:mm", CultureInfo.InvariantCulture);
        var unreachable = check.Targets.Where(t => t.AnsweredAt is null || t.AnsweredAt > check.AnswerBy).ToList();
        var ids = unreachable.Select(t => t.PersonId).ToList();
        var people = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        foreach (var target in unreachable)
        {
            target.Problem = target.Devices == 0 ? ReadinessProblem.NoDevice : ReadinessProblem.NoAnswer;
            if (people.GetValueOrDefault(target.PersonId) is { Active: true, Phone: { Length: > 0 } phone, PhoneFlaggedAt: null } person)
            {
                target.SmsSent = true;
                sms.Add(new SmsMessage
                {
                    PersonId = person.Id, Purpose = SmsPurpose, To = phone,
                    Body = SmsText.ToGsm7($"AlertHub: de controle van {at} bereikte je app niet. Open AlertHub en sta meldingen toe, anders mis je meldingen: {sms.AppLink}"),
                });
            }
        }
        check.ConcludedAt = time.Now();
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Opening check {CheckId} concluded: {Unreachable} of {Count} unreachable", check.Id, unreachable.Count, check.Targets.Count);
        return null;
    }
}

/// <summary>Creates the opening timer when there is none (a fresh database), and revives one a run of failures completed.</summary>
internal sealed class OpeningCheckSchedule(IServiceScopeFactory scopes, TimeProvider time, ILogger<OpeningCheckSchedule> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        RecurringJob.EnsureAsync(scopes, time, ReadinessJobKinds.Opening, ReadinessJobKinds.OpeningSubject, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
