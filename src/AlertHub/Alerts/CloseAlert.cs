using AlertHub.Client;
using AlertHub.Infrastructure.Behaviors;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

/// <summary>
/// R7 and R1: resolving sends the feedback (terugkoppeling) to everyone involved; cancelling marks a
/// false alarm and tells everyone too. Both are for the region's coordinators and team lead.
/// </summary>
[Allowed("Alleen een coördinator of de regievoerder kan een melding afsluiten.", PersonRole.Coordinator, PersonRole.TeamLead)]
internal sealed record CloseAlert(Guid CallerId, Guid AlertId, AlertStatus To, string? Outcome) : ICommand<AlertDto>, ICallerMessage;

internal sealed class CloseAlertValidator : AbstractValidator<CloseAlert>
{
    public CloseAlertValidator()
    {
        RuleFor(c => c.To).Must(s => s is AlertStatus.Resolved or AlertStatus.Cancelled);
        RuleFor(c => c.Outcome).MaximumLength(1000).WithMessage("De uitkomst mag hoogstens 1000 tekens zijn.").MustBeSafeText();
    }
}

internal sealed class CloseAlertHandler(AlertHubDbContext db, IPublisher events, TimeProvider time, Callers callers)
    : ICommandHandler<CloseAlert, AlertDto>
{
    public async ValueTask<AlertDto> Handle(CloseAlert command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
        if (!alert.IsOpen)
        {
            throw new ConflictException("De melding is al afgesloten.");
        }

        var now = time.Now();
        alert.Status = command.To;
        alert.Outcome = string.IsNullOrWhiteSpace(command.Outcome) ? null : command.Outcome.Trim();
        alert.ClosedAt = now;
        alert.ClosedById = caller.Id;
        var entry = new AlertUpdate
        {
            At = now,
            ById = caller.Id,
            ByName = caller.Name,
            Text = command.To == AlertStatus.Cancelled
                ? "Vals alarm: de melding is ingetrokken."
                : "Afgehandeld" + (alert.Outcome is null ? "." : $": {alert.Outcome}"),
        };
        alert.Updates.Add(entry);
        // Explicitly Added: a preset Guid key would otherwise make EF treat it as an existing row.
        db.AlertUpdates.Add(entry);
        await events.Publish(new AlertClosedEvent(alert, now), ct);
        await db.SaveChangesAsync(ct);
        return alert.ToDto();
    }
}
