using AlertHub.Client;
using AlertHub.Delivery;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;

namespace AlertHub.Alerts;

/// <summary>
/// "Soort situatie": the coordinator (or team lead) corrects what the one tap reported. The alert's kind itself
/// changes — so later SMS, the push and the export say what it is — and the timeline says who changed it.
/// </summary>
[Allowed("Alleen coördinatoren en de regievoerder kunnen de soort situatie wijzigen.", PersonRole.Coordinator, PersonRole.TeamLead)]
internal sealed record ChangeAlertKind(Guid CallerId, Guid AlertId, AlertKind? Kind) : ICommand<AlertDto>, ICallerMessage;

internal sealed class ChangeAlertKindValidator : AbstractValidator<ChangeAlertKind>
{
    public ChangeAlertKindValidator()
    {
        RuleFor(c => c.Kind).IsInEnum().WithMessage(ChangeAlertKindHandler.Choose);
    }
}

internal sealed class ChangeAlertKindHandler(AlertHubDbContext db, TimeProvider time, Callers callers) : ICommandHandler<ChangeAlertKind, AlertDto>
{
    public const string Choose = "Kies dreigende situatie, wapen, vechtpartij, groep in beweging of anders.";

    public async ValueTask<AlertDto> Handle(ChangeAlertKind command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
        var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
        if (!alert.IsOpen)
        {
            throw new ConflictException("De melding is al afgesloten.");
        }
        // Checked after the alert is known to be the caller's: another region's alert is a 404 whatever the body says.
        var kind = command.Kind ?? throw Invalid.Field("kind", Choose);
        if (alert.Kind == kind)
        {
            return alert.ToDto();
        }
        var update = new AlertUpdate
        {
            At = time.Now(),
            ById = caller.Id,
            ByName = caller.Name,
            Text = $"Soort situatie gewijzigd: {SmsText.KindText(alert.Kind)} → {SmsText.KindText(kind)}.",
        };
        alert.Kind = kind;
        alert.Updates.Add(update);
        db.AlertUpdates.Add(update);
        await db.SaveChangesAsync(ct);
        return alert.ToDto();
    }
}
