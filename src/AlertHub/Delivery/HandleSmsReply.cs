using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery;

/// <summary>
/// An SMS reply "1"–"4" acknowledges the newest open alert that was texted to that number. Acted on once per
/// Twilio <c>MessageSid</c>: a replay gets the first answer again and changes nothing (it would otherwise
/// overwrite a newer answer given in the app). Returns the text to answer with, or null to stay silent
/// (unknown numbers learn nothing).
/// </summary>
internal sealed record HandleSmsReply(string MessageSid, string From, string Body) : ICommand<string?>;

internal sealed class HandleSmsReplyHandler(AlertHubDbContext db, IMediator mediator, TimeProvider time, SmsTrigger trigger) : ICommandHandler<HandleSmsReply, string?>
{
    public async ValueTask<string?> Handle(HandleSmsReply command, CancellationToken ct)
    {
        var seen = await db.InboundSms.AsNoTracking().FirstOrDefaultAsync(m => m.MessageSid == command.MessageSid, ct);
        if (seen is not null)
        {
            return seen.Reply;
        }
        // Tracked now, written by the save that acts on the SMS (the answer), or on its own below.
        var inbound = new InboundSms { MessageSid = command.MessageSid, ReceivedAt = time.Now() };
        db.InboundSms.Add(inbound);
        try
        {
            inbound.Reply = await ReplyAsync(command, inbound, ct);
            var entry = db.Entry(inbound);
            if (entry.State != EntityState.Unchanged)
            {
                // Not written with an answer (no answer, a concurrency retry cleared the tracker, or a save on the way
                // wrote the row before its reply was known): on its own.
                if (entry.State == EntityState.Detached
                    && await db.InboundSms.AnyAsync(m => m.MessageSid == command.MessageSid, ct))
                {
                    // Written on the way (the SMS trigger's raise), then the tracker was cleared: add its reply.
                    var reply = inbound.Reply;
                    await db.InboundSms.Where(m => m.MessageSid == command.MessageSid)
                        .ExecuteUpdateAsync(s => s.SetProperty(m => m.Reply, reply), ct);
                    return reply;
                }
                if (entry.State != EntityState.Modified)
                {
                    entry.State = EntityState.Added;
                }
                await db.SaveChangesAsync(ct);
            }
            return inbound.Reply;
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // The same MessageSid on two nodes at once: the other one acted on it.
            db.ChangeTracker.Clear();
            return (await db.InboundSms.AsNoTracking().FirstOrDefaultAsync(m => m.MessageSid == command.MessageSid, ct))?.Reply;
        }
    }

    private async Task<string?> ReplyAsync(HandleSmsReply command, InboundSms inbound, CancellationToken ct)
    {
        var from = command.From.Trim();
        if (SmsTrigger.IsTrigger(command.Body))
        {
            // Issue 17: an alert by SMS when data is down (once per MessageSid: the InboundSms row above).
            return await trigger.HandleAsync(command.MessageSid, from, command.Body, ct);
        }
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
        // The reply is known before the answer is saved, so the inbound row goes into the answer's transaction.
        var drill = await db.Alerts.AsNoTracking().Where(a => a.Id == alertId).Select(a => a.Drill).FirstOrDefaultAsync(ct);
        inbound.Reply = drill ? $"OEFENING {SmsText.Reply(response.Value)}" : SmsText.Reply(response.Value);
        await mediator.Send(new AcknowledgeAlert(person.Id, alertId.Value, response.Value, Channel: "sms"), ct);
        return inbound.Reply;
    }
}
