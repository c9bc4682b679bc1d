using System.Collections.Concurrent;
using AlertHub.Client;
using AlertHub.Hotline;
using AlertHub.Infrastructure.Behaviors;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Alerts;

/// <summary>
/// R1: one tap raises a "dreigende situatie" for the coordinator's own school. With <see cref="Drill"/> it is an
/// exercise (issue 17): a coordinator for the own school, a team lead for any school of the region.
/// </summary>
[Allowed("Alleen een coördinator kan een melding maken; een teamleider kan een oefening starten.", PersonRole.Coordinator, PersonRole.TeamLead)]
internal sealed record RaiseAlert(Guid CallerId, string? SchoolId, AlertKind? Kind, string? Note, string? IdempotencyKey, bool Drill = false)
    : ICommand<RaiseAlertResult>, ICallerMessage;

internal sealed record RaiseAlertResult(AlertDto Alert, bool Created);

internal sealed class RaiseAlertValidator : AbstractValidator<RaiseAlert>
{
    public RaiseAlertValidator()
    {
        RuleFor(c => c.SchoolId).MaximumLength(64);
        RuleFor(c => c.Kind).IsInEnum();
        RuleFor(c => c.Note).MaximumLength(500).WithMessage("De notitie mag hoogstens 500 tekens zijn.").MustBeSafeText();
        RuleFor(c => c.IdempotencyKey).MustBeSafeText().MaximumLength(100).OverridePropertyName("Idempotency-Key");
    }
}

internal sealed class RaiseAlertHandler(
    AlertHubDbContext db,
    AlertAudience audience,
    IPublisher events,
    AlertHubMetrics metrics,
    TimeProvider time,
    IOptions<HotlineOptions> hotline,
    IOptions<AlertsOptions> options,
    RaiseBurst burst,
    GroupCommit group,
    Callers callers,
    Readiness.CoverageService coverage) : ICommandHandler<RaiseAlert, RaiseAlertResult>
{
    public async ValueTask<RaiseAlertResult> Handle(RaiseAlert command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        if (caller.Role == PersonRole.TeamLead && !command.Drill)
        {
            throw new ForbiddenException("Een teamleider start alleen een oefening; een echte melding maakt de coördinator van de school.");
        }
        var now = time.Now();
        var schoolId = command.SchoolId ?? caller.SchoolId;
        var school = schoolId is null ? null : await audience.SchoolAsync(schoolId, ct);
        var hours = school is null ? null : HotlineHours.For(hotline.Value, school.Region);
        var hotlineOpen = hours?.IsOpenAt(now) == true;

        // One new alert of this person at a time on this node, so the count below cannot be passed by a volley
        // (and a repeat with the same key waits for the first to be stored, then finds it).
        using var turn = await burst.TurnAsync(caller.Id, ct);
        var window = burst.Window(now);
        // An alert is only ever raised in the caller's own region (below): without one there is nothing to look up.
        var found = caller.RegionId is { } regionId
            ? await RaiseLookups.ReadAsync(db, caller.Id, regionId, command.IdempotencyKey, window,
                hotlineOpen && school!.RegionId == regionId ? hours!.LocalDate(now) : null, ct)
            : RaiseLookups.None;
        if (found.EarlierId is { } earlierId && await DetailsAsync(earlierId, ct) is { } earlier)
        {
            if (earlier.RaisedAt > now - options.Value.IdempotencyWindow)
            {
                // The same alert in its current state (it may be resolved by now): the client shows that, not "raised".
                return new RaiseAlertResult(earlier.ToDto(), Created: false);
            }
            // Older than the window: the key is free again.
            await db.Alerts.Where(a => a.Id == earlier.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.IdempotencyKey, (string?)null), ct);
        }
        window.ThrowIfOver(found.LimitthInWindow);

        if (schoolId is null)
        {
            throw Invalid.Field("schoolId", "Je bent niet aan een school gekoppeld; geef een school op.");
        }
        if (school is null || school.RegionId != caller.RegionId)
        {
            throw Invalid.Field("schoolId", "Onbekende school.");
        }
        if (caller.Role == PersonRole.Coordinator && school.Id != caller.SchoolId)
        {
            throw new ForbiddenException("Een coördinator meldt alleen voor de eigen school.");
        }

        var alert = new Alert
        {
            RegionId = school.RegionId,
            SchoolId = school.Id,
            SchoolName = school.Name,
            Kind = command.Kind ?? AlertKind.Threat,
            Note = string.IsNullOrWhiteSpace(command.Note) ? null : command.Note.Trim(),
            Status = AlertStatus.Open,
            RaisedById = caller.Id,
            RaisedByName = caller.Name,
            RaisedAt = now,
            HotlineOpen = hotlineOpen,
            IdempotencyKey = command.IdempotencyKey,
            Drill = command.Drill,
            Recipients = await audience.RecipientsAsync(school, caller.Id, now, hotlineOpen, ct),
        };
        if (hotlineOpen)
        {
            alert.CoverageNotice = await CoverageNoticeAsync(alert, found.Reachability, now, ct);
        }
        db.Alerts.Add(alert);
        // The fallback, the escalation and the evaluation are written with the alert: no alert without them.
        await events.Publish(new AlertRaisedEvent(alert, now), ct);
        try
        {
            // In the node's next group commit with the other raises and receipts of these milliseconds (issue 16).
            await db.SaveInGroupAsync(group, ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation() && command.IdempotencyKey is not null)
        {
            // A concurrent request with the same key won the race; answer with its alert.
            db.ChangeTracker.Clear();
            var winner = await db.Alerts.WithDetails().AsNoTracking()
                    .FirstOrDefaultAsync(a => a.RaisedById == caller.Id && a.IdempotencyKey == command.IdempotencyKey, ct)
                ?? throw new ConflictException("De melding met deze sleutel kon niet worden gelezen.");
            return new RaiseAlertResult(winner.ToDto(), Created: false);
        }

        metrics.AlertRaised(alert.Kind);
        return new RaiseAlertResult(alert.ToDto(), Created: true);
    }

    /// <summary>
    /// Issue 17: the required disciplines with nobody on call now who was reachable at today's check, and no fixed
    /// contact of the school of that discipline among the recipients; null when every one is covered.
    /// </summary>
    private async Task<string?> CoverageNoticeAsync(Alert alert, Func<Guid, bool?> reachable, DateTimeOffset now, CancellationToken ct)
    {
        var gaps = (await coverage.NowAsync(alert.RegionId, now, reachable, ct))
            .Where(d => d.Gap && !alert.Recipients.Any(r => r.Discipline == d.Discipline && r.Reason == RecipientReason.FixedContact))
            .Select(d => d.Notice)
            .ToList();
        return gaps.Count == 0 ? null : string.Join("\n", gaps);
    }

    private Task<Alert?> DetailsAsync(Guid alertId, CancellationToken ct) =>
        db.Alerts.WithDetails().AsNoTracking().FirstOrDefaultAsync(a => a.Id == alertId, ct);
}

/// <summary>
/// The burst limit on new alerts per person (<c>Security:RaiseBurst</c> within <c>Security:RaiseBurstWindow</c>):
/// counted from the stored alerts, so it holds across nodes and restarts, and only for alerts that are new.
/// </summary>
internal sealed class RaiseBurst(IOptionsMonitor<SecurityOptions> options)
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _turns = new();

    public async Task<IDisposable> TurnAsync(Guid personId, CancellationToken ct)
    {
        var turn = _turns.GetOrAdd(personId, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(ct);
        return new Release(turn);
    }

    /// <summary>The limit and its window as configured now: one read, so a reload between the two cannot mix them.</summary>
    public BurstWindow Window(DateTimeOffset now)
    {
        var current = options.CurrentValue;
        return new BurstWindow(current.RaiseBurst, current.RaiseBurstWindow, now);
    }

    private sealed class Release(SemaphoreSlim turn) : IDisposable
    {
        public void Dispose() => turn.Release();
    }
}

/// <summary>A person may raise <see cref="Limit"/> new alerts within <see cref="Length"/> before <see cref="Now"/>.</summary>
internal sealed record BurstWindow(int Limit, TimeSpan Length, DateTimeOffset Now)
{
    /// <summary>The start of the window the limit counts in.</summary>
    public DateTimeOffset Since => Now - Length;

    /// <summary>
    /// Refuses when the person already has <see cref="Limit"/> alerts in the window: <paramref name="limitth"/> is the
    /// raise time of the limit-th most recent of them, null when there are fewer. Only that one is read, whatever the
    /// limit (every alert of the window was read before: with the bench's limit of 100,000 that was 12 % of a SQLite
    /// node's CPU per raise).
    /// </summary>
    public void ThrowIfOver(DateTimeOffset? limitth)
    {
        if (limitth is { } at)
        {
            // Free again when the oldest of the last `limit` alerts leaves the window.
            throw new TooManyRequestsException(
                $"Je hebt in {Length.TotalSeconds:0} seconden al {Limit} meldingen gemaakt; een nieuwe kan over enkele seconden. "
                + "De meldingen die er al zijn, zijn verstuurd. Bel bij acuut gevaar 112.",
                at + Length - Now);
        }
    }
}

/// <summary>
/// Issue 16: what a raise reads before it writes, in one statement (one round trip), where it took three: the
/// caller's earlier alert with the same key, the limit-th most recent alert of the burst window, and the answers to
/// today's opening check of the region (in hotline hours). On PostgreSQL each statement is a socket round trip, and
/// under load each one waits again in the node's thread-pool queue.
/// </summary>
internal sealed record RaiseLookups(Guid? EarlierId, DateTimeOffset? LimitthInWindow, bool CheckConcluded, List<ReachabilityRow> TodaysCheck)
{
    public static readonly RaiseLookups None = new(null, null, false, []);

    /// <summary>
    /// <paramref name="regionId"/> is the caller's region (the statement's one row); with <paramref name="checkDay"/>
    /// the answers to that day's check of the region are read too.
    /// </summary>
    public static async Task<RaiseLookups> ReadAsync(
        AlertHubDbContext db, Guid callerId, string regionId, string? key, BurstWindow burst, DateOnly? checkDay, CancellationToken ct)
    {
        var (withCheck, day) = (checkDay is not null, checkDay ?? default);
        var (since, limit) = (burst.Since, burst.Limit);
        var check = db.ReadinessChecks.Where(c => withCheck && c.RegionId == regionId && c.Day == day);
        // One row per target of the check (one row without a check), each with the same scalar lookups. A list of
        // targets in the projection would need APPLY, which SQLite does not have.
        var rows = await (
            from region in db.Regions.AsNoTracking().Where(r => r.Id == regionId)
            from target in db.ReadinessTargets.AsNoTracking().Where(t => check.Any(c => c.Id == t.CheckId)).DefaultIfEmpty()
            select new
            {
                EarlierId = key == null ? null
                    : db.Alerts.Where(a => a.RaisedById == callerId && a.IdempotencyKey == key).Select(a => (Guid?)a.Id).FirstOrDefault(),
                Limitth = db.Alerts.Where(a => a.RaisedById == callerId && a.RaisedAt > since)
                    .OrderByDescending(a => a.RaisedAt).Select(a => (DateTimeOffset?)a.RaisedAt).Skip(limit - 1).FirstOrDefault(),
                Concluded = check.Any(c => c.ConcludedAt != null),
                PersonId = target == null ? (Guid?)null : target.PersonId,
                Answered = target != null && target.AnsweredAt != null,
            }).ToListAsync(ct);
        // The caller's region is there: the caller is an active person of this request's directory snapshot (Callers).
        var first = rows[0];
        return new RaiseLookups(first.EarlierId, first.Limitth, first.Concluded,
            [.. rows.Where(r => r.PersonId is not null).Select(r => new ReachabilityRow(r.PersonId!.Value, r.Answered))]);
    }

    /// <summary>A person's answer to the day's check (null when not asked), by the coverage screen's own rule.</summary>
    public Func<Guid, bool?> Reachability => Readiness.CoverageService.Reachability(TodaysCheck, CheckConcluded);
}

/// <summary>One on-call partner of today's check and whether a device of theirs answered.</summary>
internal sealed record ReachabilityRow(Guid PersonId, bool Answered);
