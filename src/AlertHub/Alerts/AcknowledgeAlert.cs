using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;

namespace AlertHub.Alerts;

/// <summary>R5: a recipient answers (gezien, onderweg, ter plaatse, kan niet) in the app or by SMS.</summary>
internal sealed record AcknowledgeAlert(Guid CallerId, Guid AlertId, AckResponse Response, string Channel = "app")
    : ICommand<AlertDto>, ICallerMessage;

internal sealed class AcknowledgeAlertValidator : AbstractValidator<AcknowledgeAlert>
{
    public AcknowledgeAlertValidator()
    {
        RuleFor(c => c.Response).IsInEnum().WithMessage("Kies gezien, onderweg, ter plaatse of kan niet.");
    }
}

internal sealed class AcknowledgeAlertHandler(AlertHubDbContext db, TimeProvider time, Callers callers)
    : ICommandHandler<AcknowledgeAlert, AlertDto>
{
    public async ValueTask<AlertDto> Handle(AcknowledgeAlert command, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(command.CallerId, ct);
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

        Answers.Record(db, alert, recipient, command.Response, time.Now(), command.Channel);
        await db.SaveChangesAsync(ct);
        return alert.ToDto();
    }
}

/// <summary>An answer as it is kept, whoever gives it (the recipient in the app or by SMS, or their organisation's system).</summary>
internal static class Answers
{
    public static void Record(AlertHubDbContext db, Alert alert, Recipient recipient, AckResponse response, DateTimeOffset now, string channel)
    {
        recipient.MarkReceived(now);
        recipient.Response = response;
        recipient.RespondedAt = now;
        var entry = new Acknowledgement
        {
            PersonId = recipient.PersonId,
            Response = response,
            At = now,
            Channel = channel,
        };
        alert.Acknowledgements.Add(entry);
        // Explicitly Added: a preset Guid key would otherwise make EF treat it as an existing row.
        db.Acknowledgements.Add(entry);
    }
}
