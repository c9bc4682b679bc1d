using AlertHub.Infrastructure;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Mediator;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.Privacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>A Twilio status callback: moves the SMS (and the recipient's delivery) forward, never back.</summary>
internal sealed record ApplySmsStatus(string MessageSid, string MessageStatus, string? ErrorCode) : ICommand<bool>;

internal sealed class ApplySmsStatusHandler(
    AlertHubDbContext db,
    TimeProvider time,
    IOptions<PrivacyOptions> privacy,
    IOptions<TwilioOptions> twilio,
    ILogger<ApplySmsStatusHandler> logger)
    : ICommandHandler<ApplySmsStatus, bool>
{
    public const int FlagAfterFailures = 3;

    public async ValueTask<bool> Handle(ApplySmsStatus command, CancellationToken ct)
    {
        var status = Parse(command.MessageStatus);
        var message = await db.SmsMessages.FirstOrDefaultAsync(m => m.ProviderSid == command.MessageSid, ct);
        if (status is null || message is null || Rank(status.Value) <= Rank(message.Status))
        {
            return false; // unknown, or a replay / out-of-order callback: nothing changes
        }

        message.Status = status.Value;
        message.ErrorCode = command.ErrorCode ?? message.ErrorCode;
        message.UpdatedAt = time.Now();
        if (message.IsFinal && privacy.Value.RedactAtTwilio && twilio.Value.Enabled)
        {
            // Final states are never left, so this timer is written once per SMS (and the unique index says so too).
            db.ScheduledJobs.Add(new ScheduledJob
            {
                Kind = JobKinds.TwilioRedaction, SubjectId = message.Id, DueAt = message.UpdatedAt, CreatedAt = message.UpdatedAt,
            });
        }

        var person = message.PersonId is { } pid ? await db.People.FirstOrDefaultAsync(p => p.Id == pid, ct) : null;
        if (person is not null && status is SmsStatus.Delivered)
        {
            person.SmsFailuresInARow = 0;
        }
        else if (person is not null && status is SmsStatus.Failed or SmsStatus.Undelivered)
        {
            person.SmsFailuresInARow++;
            person.LastSmsErrorCode = command.ErrorCode;
            if (person.SmsFailuresInARow >= FlagAfterFailures && person.PhoneFlaggedAt is null)
            {
                person.PhoneFlaggedAt = time.Now();
                logger.LogWarning("Phone number of person {PersonId} flagged for the admin after {Failures} failed SMS (last error {ErrorCode})",
                    person.Id, person.SmsFailuresInARow, command.ErrorCode);
            }
        }

        Alert? alert = null;
        if (message.AlertId is { } alertId && message.RecipientId is { } recipientId)
        {
            alert = await db.Alerts.WithDetails().FirstOrDefaultAsync(a => a.Id == alertId, ct);
            var recipient = alert?.Recipients.FirstOrDefault(r => r.Id == recipientId);
            if (recipient is not null && recipient.Delivery is not DeliveryState.Received)
            {
                recipient.Delivery = status switch
                {
                    SmsStatus.Delivered => DeliveryState.SmsDelivered,
                    SmsStatus.Failed or SmsStatus.Undelivered => DeliveryState.SmsFailed,
                    _ => DeliveryState.SmsSent,
                };
            }
        }
        await db.SaveChangesAsync(ct);
        return true;
    }

    private static SmsStatus? Parse(string status) => status switch
    {
        "accepted" or "queued" or "sending" => SmsStatus.Queued,
        "sent" => SmsStatus.Sent,
        "delivered" => SmsStatus.Delivered,
        "undelivered" => SmsStatus.Undelivered,
        "failed" => SmsStatus.Failed,
        _ => null,
    };

    // Final states outrank everything; an uncertain send can still be settled by a callback.
    private static int Rank(SmsStatus status) => status switch
    {
        SmsStatus.Sending or SmsStatus.NotSent or SmsStatus.Uncertain => 0,
        SmsStatus.Queued => 1,
        SmsStatus.Sent => 2,
        _ => 3,
    };
}
