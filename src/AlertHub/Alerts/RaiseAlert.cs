using AlertHub.Client;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.Infrastructure.Behaviors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Alerts;

/// <summary>R1: one tap raises a "dreigende situatie" for the coordinator's own school.</summary>
internal sealed record RaiseAlert(Guid CallerId, string? SchoolId, AlertKind? Kind, string? Note, string? IdempotencyKey)
    : ICommand<RaiseAlertResult>;

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
    IOptions<AlertsOptions> options) : ICommandHandler<RaiseAlert, RaiseAlertResult>
{
    public async ValueTask<RaiseAlertResult> Handle(RaiseAlert command, CancellationToken ct)
    {
        var caller = await db.CallerAsync(command.CallerId, ct);
        if (caller.Role != PersonRole.Coordinator)
        {
            throw new ForbiddenException("Alleen een coördinator kan een melding maken.");
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

        var schoolId = command.SchoolId ?? caller.SchoolId
            ?? throw Invalid.Field("schoolId", "Je bent niet aan een school gekoppeld; geef een school op.");
        var school = await db.Schools.Include(s => s.Region).AsNoTracking().FirstOrDefaultAsync(s => s.Id == schoolId, ct);
        if (school is null || school.RegionId != caller.RegionId)
        {
            throw Invalid.Field("schoolId", "Onbekende school.");
        }
        if (school.Id != caller.SchoolId)
        {
            throw new ForbiddenException("Een coördinator meldt alleen voor de eigen school.");
        }

        var hotlineOpen = HotlineHours.For(hotline.Value, school.Region).IsOpenAt(now);
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
            Recipients = await audience.RecipientsAsync(school, caller.Id, now, hotlineOpen, ct),
        };
        db.Alerts.Add(alert);
        // The fallback, the escalation and the evaluation are written with the alert: no alert without them.
        await events.Publish(new AlertRaisedEvent(alert, now), ct);
        try
        {
            await db.SaveChangesAsync(ct);
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

    private Task<Alert?> ExistingAsync(Guid callerId, string key, CancellationToken ct) =>
        db.Alerts.WithDetails().AsNoTracking().FirstOrDefaultAsync(a => a.RaisedById == callerId && a.IdempotencyKey == key, ct);
}
