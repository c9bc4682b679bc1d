using AlertHub.Infrastructure;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;

namespace AlertHub.Alerts;

/// <summary>R5: a recipient answers (gezien, onderweg, ter plaatse, kan niet) in the app or by SMS.</summary>
internal sealed record AcknowledgeAlert(Guid CallerId, Guid AlertId, AckResponse Response, string Channel = "app")
    : ICommand<AlertDto>;

internal sealed class AcknowledgeAlertValidator : AbstractValidator<AcknowledgeAlert>
{
    public AcknowledgeAlertValidator()
    {
        RuleFor(c => c.Response).IsInEnum().WithMessage("Kies gezien, onderweg, ter plaatse of kan niet.");
    }
}

internal sealed class AcknowledgeAlertHandler(AlertHubDbContext db, TimeProvider time)
    : ICommandHandler<AcknowledgeAlert, AlertDto>
{
    public async ValueTask<AlertDto> Handle(AcknowledgeAlert command, CancellationToken ct)
    {
        var caller = await db.CallerAsync(command.CallerId, ct);
        var alert = await db.AlertInRegionAsync(command.AlertId, caller, ct);
        var recipient = alert.RecipientFor(caller.Id)
            ?? throw new ForbiddenException("Alleen ontvangers van de melding kunnen reageren.");
        if (!alert.IsOpen)
        {
            throw new ConflictException("De melding is al afgesloten.");
        }

        if (recipient.Response == command.Response)
        {
            return alert.ToDto(); // the same answer again (a retry after a lost answer, a second tap): nothing changes
        }

        var now = time.Now();
        recipient.MarkReceived(now);
        recipient.Response = command.Response;
        recipient.RespondedAt = now;
        var entry = new Acknowledgement
        {
            PersonId = caller.Id,
            Response = command.Response,
            At = now,
            Channel = command.Channel,
        };
        alert.Acknowledgements.Add(entry);
        // Explicitly Added: a preset Guid key would otherwise make EF treat it as an existing row.
        db.Acknowledgements.Add(entry);
        await db.SaveChangesAsync(ct);
        return alert.ToDto();
    }
}
