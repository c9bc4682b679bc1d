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
        if (command.IdempotencyKey is { } key && await ExistingAsync(caller.Id, key, ct) is { } earlier)
        {
            if (earlier.RaisedAt > now - options.Value.IdempotencyWindow)
            {
                // The same alert in its current state (it may be resolved by now): the client shows that, not "raised".
                return new RaiseAlertResult(earlier.ToDto(), Created: false);
            }
            // Older than the window: the key is free again.
            await db.Alerts.Where(a => a.Id == earlier.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.IdempotencyKey, (string?)null), ct);
        }

        // One new alert of this person at a time on this node, so the count below cannot be passed by a volley.
        using var turn = await burst.TurnAsync(caller.Id, ct);
        await burst.CheckAsync(db, caller.Id, now, ct);

        var schoolId = command.SchoolId ?? caller.SchoolId
            ?? throw Invalid.Field("schoolId", "Je bent niet aan een school gekoppeld; geef een school op.");
        var school = await audience.SchoolAsync(schoolId, ct);
        if (school is null || school.RegionId != caller.RegionId)
        {
            throw Invalid.Field("schoolId", "Onbekende school.");
        }
        if (caller.Role == PersonRole.Coordinator && school.Id != caller.SchoolId)
        {
            throw new ForbiddenException("Een coördinator meldt alleen voor de eigen school.");
        }

        var hours = HotlineHours.For(hotline.Value, school.Region);
        var hotlineOpen = hours.IsOpenAt(now);
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
            alert.CoverageNotice = await CoverageNoticeAsync(alert, hours.LocalDate(now), now, ct);
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
            var winner = await ExistingAsync(caller.Id, command.IdempotencyKey, ct)
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
    private async Task<string?> CoverageNoticeAsync(Alert alert, DateOnly today, DateTimeOffset now, CancellationToken ct)
    {
        var check = await coverage.LastCheckAsync(alert.RegionId, today, ct);
        var gaps = (await coverage.NowAsync(alert.RegionId, now, check, ct))
            .Where(d => d.Gap && !alert.Recipients.Any(r => r.Discipline == d.Discipline && r.Reason == RecipientReason.FixedContact))
            .Select(d => d.Notice)
            .ToList();
        return gaps.Count == 0 ? null : string.Join("\n", gaps);
    }

    private Task<Alert?> ExistingAsync(Guid callerId, string key, CancellationToken ct) =>
        db.Alerts.WithDetails().AsNoTracking().FirstOrDefaultAsync(a => a.RaisedById == callerId && a.IdempotencyKey == key, ct);
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

    public async Task CheckAsync(AlertHubDbContext db, Guid personId, DateTimeOffset now, CancellationToken ct)
    {
        var (limit, window) = (options.CurrentValue.RaiseBurst, options.CurrentValue.RaiseBurstWindow);
        var since = now - window;
        // Only the limit-th most recent alert in the window is read, whatever the limit (it read every one of them
        // before: with the bench's limit of 100,000 that was 12 % of a SQLite node's CPU per raise).
        var oldest = await db.Alerts.AsNoTracking().Where(a => a.RaisedById == personId && a.RaisedAt > since)
            .OrderByDescending(a => a.RaisedAt).Select(a => (DateTimeOffset?)a.RaisedAt).Skip(limit - 1).FirstOrDefaultAsync(ct);
        if (oldest is { } at)
        {
            // Free again when the oldest of the last `limit` alerts leaves the window.
            throw new TooManyRequestsException(
                $"Je hebt in {window.TotalSeconds:0} seconden al {limit} meldingen gemaakt; een nieuwe kan over enkele seconden. "
                + "De meldingen die er al zijn, zijn verstuurd. Bel bij acuut gevaar 112.",
                at + window - now);
        }
    }

    private sealed class Release(SemaphoreSlim turn) : IDisposable
    {
        public void Dispose() => turn.Release();
    }
}
