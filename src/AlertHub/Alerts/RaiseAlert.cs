using AlertHub.Client;
using AlertHub.Evaluations;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Outbox;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Scheduling;
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
    RecipientRouter router,
    Presence presence,
    AlertNotifier notifier,
    AlertHubMetrics metrics,
    TimeProvider time,
    IOptions<HotlineOptions> hotline,
    IOptions<AlertsOptions> alertOptions,
    IOptions<EvaluationsOptions> evaluationOptions) : ICommandHandler<RaiseAlert, RaiseAlertResult>
{
    public async ValueTask<RaiseAlertResult> Handle(RaiseAlert command, CancellationToken ct)
    {
        var caller = await db.CallerAsync(command.CallerId, ct);
        if (caller.Role != PersonRole.Coordinator)
        {
            throw new ForbiddenException("Alleen een coördinator kan een melding maken.");
        }
        if (command.IdempotencyKey is { } key && await ExistingAsync(caller.Id, key, ct) is { } earlier)
        {
            return new RaiseAlertResult(earlier.ToDto(), Created: false);
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

        var now = time.Now();
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
            HotlineOpen = HotlineHours.For(hotline.Value, school.Region).IsOpenAt(now),
            IdempotencyKey = command.IdempotencyKey,
            Recipients = await router.ResolveAsync(school, caller.Id, now, ct),
        };
        if (!alert.HotlineOpen && school.Region?.OutOfHoursPersonId is { } outOfHoursId)
        {
            await router.AddOutOfHoursContactAsync(alert, outOfHoursId, ct);
        }
        foreach (var recipient in alert.Recipients.Where(r => presence.IsConnected(r.PersonId)))
        {
            recipient.Delivery = DeliveryState.Pushed;
            recipient.PushedAt = now;
        }

        // The evaluation is part of the alert from the start (R8): due 48 h later, assigned to the team lead.
        var evaluation = new Evaluation
        {
            AlertId = alert.Id,
            RegionId = alert.RegionId,
            DueAt = now + evaluationOptions.Value.DueAfter,
            Status = EvaluationStatus.Open,
            TeamLeadId = await db.People.Where(p => p.RegionId == alert.RegionId && p.Role == PersonRole.TeamLead && p.Active)
                .OrderBy(p => p.Name).Select(p => (Guid?)p.Id).FirstOrDefaultAsync(ct),
        };
        alert.EvaluationId = evaluation.Id;
        db.Alerts.Add(alert);
        db.Evaluations.Add(evaluation);
        // The timers are written in the same transaction as the alert: no alert without its fallback.
        db.ScheduledJobs.AddRange(
            new ScheduledJob { Kind = JobKinds.SmsFallback, SubjectId = alert.Id, DueAt = now + alertOptions.Value.SmsFallbackAfter, CreatedAt = now },
            new ScheduledJob { Kind = JobKinds.Escalation, SubjectId = alert.Id, DueAt = now + alertOptions.Value.EscalateAfter, CreatedAt = now },
            new ScheduledJob { Kind = JobKinds.EvaluationDue, SubjectId = evaluation.Id, DueAt = evaluation.DueAt, CreatedAt = now });
        await notifier.StageAsync(alert, OutboxKind.Raised, ct: ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation() && command.IdempotencyKey is not null)
        {
            // A concurrent request with the same key won the race; answer with its alert.
            db.ChangeTracker.Clear();
            notifier.Discard();
            var winner = await ExistingAsync(caller.Id, command.IdempotencyKey, ct)
                ?? throw new ConflictException("De melding met deze sleutel kon niet worden gelezen.");
            return new RaiseAlertResult(winner.ToDto(), Created: false);
        }

        notifier.Flush();
        metrics.AlertRaised(alert.Kind);
        return new RaiseAlertResult(alert.ToDto(), Created: true);
    }

    private Task<Alert?> ExistingAsync(Guid callerId, string key, CancellationToken ct) =>
        db.Alerts.WithDetails().AsNoTracking().FirstOrDefaultAsync(a => a.RaisedById == callerId && a.IdempotencyKey == key, ct);
}
