using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery;

/// <summary>
/// An SMS reply "1"–"4" acknowledges the newest open alert that was texted to that number.
/// Returns the text to answer with, or null to stay silent (unknown numbers learn nothing).
/// </summary>
internal sealed record HandleSmsReply(string From, string Body) : ICommand<string?>;

internal sealed class HandleSmsReplyHandler(AlertHubDbContext db, IMediator mediator) : ICommandHandler<HandleSmsReply, string?>
{
    public async ValueTask<string?> Handle(HandleSmsReply command, CancellationToken ct)
    {
        var from = command.From.Trim();
        var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Phone == from && p.Active, ct);
        if (person is null)
        {
            return null;
        }
        AckResponse? response = command.Body.Trim().TrimEnd('.') switch
        {
            "1" => AckResponse.Seen,
            "2" => AckResponse.OnMyWay,
            "3" => AckResponse.OnScene,
            "4" => AckResponse.Unable,
            _ => null,
        };
        if (response is null)
        {
            return SmsText.Help;
        }

        var alertId = await db.SmsMessages
            .Where(m => m.To == from && m.AlertId != null && m.PersonId == person.Id)
            .Where(m => db.Alerts.Any(a => a.Id == m.AlertId && a.Status == AlertStatus.Open))
            .OrderByDescending(m => m.CreatedAt)
            .Select(m => m.AlertId)
            .FirstOrDefaultAsync(ct);
        if (alertId is null)
        {
            return SmsText.NothingOpen;
        }
        await mediator.Send(new AcknowledgeAlert(person.Id, alertId.Value, response.Value, Channel: "sms"), ct);
        return SmsText.Reply(response.Value);
    }
}
