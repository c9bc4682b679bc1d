using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.Privacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// What the provider says about an SMS — its answer when sent, what reconciliation found, a status callback —
/// moves the row forward and never back, and follows through: the recipient's delivery state, the number's
/// health (flagged for the admin), the redaction at Twilio. One place, whichever way the news came.
/// </summary>
internal sealed class SmsStates(
    AlertHubDbContext db,
    TimeProvider time,
    IOptions<PrivacyOptions> privacy,
    IOptions<TwilioOptions> twilio,
    AlertHubMetrics metrics,
    ILogger<SmsStates> logger)
{
    /// <summary>Failed deliveries in a row after which a number is flagged.</summary>
    public const int FlagAfterFailures = 3;

    /// <summary>Twilio's refusals that are about the number itself: flagged at once, sending again cannot help.</summary>
    public static readonly IReadOnlyDictionary<string, string> NumberRefusals = new Dictionary<string, string>
    {
        ["21211"] = "Twilio weigert het nummer: geen geldig telefoonnummer (21211).",
        ["21610"] = "De ontvanger heeft sms van ons nummer geblokkeerd met STOP (21610).",
        ["21614"] = "Het nummer kan geen sms ontvangen: geen mobiel nummer (21614).",
    };

    /// <summary>Dutch for the admin: why a number was flagged.</summary>
    public static string FlagReason(string? errorCode) => errorCode is not null && NumberRefusals.TryGetValue(errorCode, out var reason)
        ? reason
        : $"{FlagAfterFailures} sms'en op rij niet afgeleverd (laatste foutcode {errorCode ?? "onbekend"}).";

    /// <returns>False when the news is old (a replay, out of order) and nothing changed.</returns>
    public async Task<bool> ApplyAsync(SmsMessage message, SmsStatus status, string? errorCode, CancellationToken ct)
    {
        if (Rank(status) <= Rank(message.Status))
        {
            return false;
        }
        message.Status = status;
        message.ErrorCode = errorCode ?? message.ErrorCode;
        message.UpdatedAt = time.Now();
        metrics.SmsOutcome(message.Purpose, status, errorCode);
        if (message.IsFinal && message.ProviderSid is not null && privacy.Value.RedactAtTwilio && twilio.Value.Enabled)
        {
            // Final states are never left, so this timer is written once per SMS (and the unique index says so too).
            db.ScheduledJobs.Add(new ScheduledJob
            {
                Kind = JobKinds.TwilioRedaction, SubjectId = message.Id, DueAt = message.UpdatedAt, CreatedAt = message.UpdatedAt,
            });
        }
        await FollowNumberAsync(message, status, errorCode, ct);
        await FollowRecipientAsync(message, status, ct);
        return true;
    }

    /// <summary>The provider accepted the SMS: its sid is known, and callbacks that came before it are applied now.</summary>
    public async Task AcceptedAsync(SmsMessage message, string sid, SmsStatus status, string? errorCode, CancellationToken ct)
    {
        message.ProviderSid = sid;
        message.SentAt ??= time.Now();
        await ApplyAsync(message, SmsStatus.Sent, null, ct);
        if (status != SmsStatus.Sent)
        {
            await ApplyAsync(message, status, errorCode, ct);
        }
        await ApplyKeptCallbacksAsync(message, ct);
    }

    /// <summary>Status callbacks that came before the SMS's sid was stored are applied, in the order they came, and dropped.</summary>
    /// <returns>How many were kept for this SMS.</returns>
    public async Task<int> ApplyKeptCallbacksAsync(SmsMessage message, CancellationToken ct)
    {
        var early = await db.SmsStatusCallbacks.Where(c => c.MessageSid == message.ProviderSid).OrderBy(c => c.ReceivedAt).ToListAsync(ct);
        foreach (var callback in early)
        {
            if (ParseCallback(callback.MessageStatus) is { } callbackStatus)
            {
                await ApplyAsync(message, callbackStatus, callback.ErrorCode, ct);
            }
            db.SmsStatusCallbacks.Remove(callback);
        }
        return early.Count;
    }

    public static SmsStatus? ParseCallback(string status) => status switch
    {
        "accepted" or "queued" or "sending" or "scheduled" => SmsStatus.Queued,
        "sent" => SmsStatus.Sent,
        "delivered" or "read" => SmsStatus.Delivered,
        "undelivered" => SmsStatus.Undelivered,
        "failed" => SmsStatus.Failed,
        _ => null,
    };

    // Final states outrank everything; an uncertain or interrupted send can still be settled by a callback.
    private static int Rank(SmsStatus status) => status switch
    {
        SmsStatus.Pending or SmsStatus.Sending or SmsStatus.NotSent or SmsStatus.Uncertain => 0,
        SmsStatus.Queued => 1,
        SmsStatus.Sent => 2,
        _ => 3,
    };

    private async Task FollowNumberAsync(SmsMessage message, SmsStatus status, string? errorCode, CancellationToken ct)
    {
        if (status is not (SmsStatus.Delivered or SmsStatus.Failed or SmsStatus.Undelivered) || message.PersonId is not { } personId)
        {
            return;
        }
        var person = await db.People.FirstOrDefaultAsync(p => p.Id == personId, ct);
        if (person is null || person.Phone != message.To)
        {
            return; // the number changed since: the news is about a number nobody has any more
        }
        if (status is SmsStatus.Delivered)
        {
            person.SmsFailuresInARow = 0;
            return;
        }
        person.SmsFailuresInARow++;
        person.LastSmsErrorCode = errorCode;
        var refusal = errorCode is not null && NumberRefusals.ContainsKey(errorCode);
        if ((refusal || person.SmsFailuresInARow >= FlagAfterFailures) && person.PhoneFlaggedAt is null)
        {
            person.PhoneFlaggedAt = time.Now();
            logger.LogWarning("Phone number of person {PersonId} flagged for the admin after {Failures} failed SMS (last error {ErrorCode})",
                person.Id, person.SmsFailuresInARow, errorCode);
        }
    }

    private async Task FollowRecipientAsync(SmsMessage message, SmsStatus status, CancellationToken ct)
    {
        if (message.RecipientId is not { } recipientId)
        {
            return;
        }
        var recipient = await db.Recipients.FirstOrDefaultAsync(r => r.Id == recipientId, ct);
        if (recipient is null || recipient.Delivery is DeliveryState.Received)
        {
            return;
        }
        var delivery = status switch
        {
            SmsStatus.Delivered => DeliveryState.SmsDelivered,
            SmsStatus.Failed or SmsStatus.Undelivered => DeliveryState.SmsFailed,
            SmsStatus.Queued or SmsStatus.Sent => DeliveryState.SmsSent,
            _ => recipient.Delivery,
        };
        if (delivery != recipient.Delivery)
        {
            recipient.Delivery = delivery;
        }
    }
}
