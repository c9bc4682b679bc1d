using AlertHub.Infrastructure;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Hotline;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// Sends one SMS about an alert to one recipient, at most once: the SmsMessage row is claimed in the
/// database before the provider is called, and only a "not sent at all" outcome may be tried again.
/// </summary>
internal sealed class SmsDispatcher(
    AlertHubDbContext db,
    ISmsSender sender,
    TimeProvider time,
    IOptions<TwilioOptions> twilio,
    IOptions<HotlineOptions> hotline,
    AlertHubMetrics metrics,
    ILogger<SmsDispatcher> logger)
{
    public const string DefaultPublicBaseUrl = "http://127.0.0.1:5080";

    public string LinkFor(Alert alert) => $"{twilio.Value.PublicBase ?? DefaultPublicBaseUrl}/m/{alert.ShortCode}";

    public async Task<string> AlertTextAsync(Alert alert, string prefix, CancellationToken ct)
    {
        var region = await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == alert.RegionId, ct);
        return SmsText.Alert(prefix, alert.Kind, alert.SchoolName, alert.RaisedAt, HotlineHours.For(hotline.Value, region).TimeZone, LinkFor(alert));
    }

    /// <returns>The status of this recipient's SMS after the call (NotSent means: try again later).</returns>
    public async Task<SmsStatus> SendAsync(Alert alert, Recipient recipient, Person person, string purpose, string body, CancellationToken ct)
    {
        var now = time.Now();
        if (string.IsNullOrEmpty(person.Phone))
        {
            // Never skip a responder silently: the coordinator sees the SMS could not go out.
            logger.LogWarning("Recipient {PersonId} of alert {AlertId} has no phone number for the SMS fallback", person.Id, alert.Id);
            recipient.Delivery = DeliveryState.SmsFailed;
            await db.SaveChangesAsync(ct);
            metrics.SmsFailed(purpose, "no_phone");
            return SmsStatus.Failed;
        }

        var message = await db.SmsMessages.FirstOrDefaultAsync(m => m.RecipientId == recipient.Id && m.Purpose == purpose, ct);
        if (message is null)
        {
            message = new SmsMessage
            {
                AlertId = alert.Id, RecipientId = recipient.Id, PersonId = person.Id, Purpose = purpose,
                To = person.Phone, Body = body, CreatedAt = now, UpdatedAt = now, Attempts = 1,
            };
            db.SmsMessages.Add(message);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                db.Entry(message).State = EntityState.Detached;
                return SmsStatus.Sending; // another node claimed this SMS first
            }
        }
        else
        {
            if (message.Status != SmsStatus.NotSent)
            {
                return message.Status;
            }
            var claimed = await db.SmsMessages
                .Where(m => m.Id == message.Id && m.Status == SmsStatus.NotSent)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, SmsStatus.Sending).SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
            if (claimed == 0)
            {
                return SmsStatus.Sending;
            }
            await db.Entry(message).ReloadAsync(ct);
        }

        var result = await sender.SendAsync(message.To, message.Body, ct);
        message.Status = result.Status;
        message.ProviderSid = result.ProviderSid;
        message.ErrorCode = result.ErrorCode;
        message.UpdatedAt = time.Now();
        recipient.Delivery = result.Status switch
        {
            SmsStatus.Queued or SmsStatus.Sent => DeliveryState.SmsSent,
            SmsStatus.Failed or SmsStatus.Uncertain => DeliveryState.SmsFailed,
            _ => recipient.Delivery,
        };
        if (result.Status is SmsStatus.Failed or SmsStatus.Uncertain or SmsStatus.NotSent)
        {
            logger.LogWarning("SMS {SmsId} for alert {AlertId}: {Status} ({ErrorCode})", message.Id, alert.Id, result.Status, result.ErrorCode);
        }
        await db.SaveChangesAsync(CancellationToken.None);
        metrics.SmsOutcome(purpose, result.Status, result.ErrorCode);
        return result.Status;
    }
}
