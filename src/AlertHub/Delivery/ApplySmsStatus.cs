using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery;

/// <summary>
/// A Twilio status callback: moves the SMS (and the recipient's delivery) forward, never back. A callback for a
/// sid no row holds yet is kept and applied when the sid arrives (see <see cref="SmsStates.AcceptedAsync"/> and
/// <see cref="SmsCallbackMatchJob"/>).
/// </summary>
internal sealed record ApplySmsStatus(string MessageSid, string MessageStatus, string? ErrorCode) : ICommand<bool>;

internal sealed class ApplySmsStatusHandler(AlertHubDbContext db, SmsStates states, TimeProvider time, ILogger<ApplySmsStatusHandler> logger)
    : ICommandHandler<ApplySmsStatus, bool>
{
    public async ValueTask<bool> Handle(ApplySmsStatus command, CancellationToken ct)
    {
        if (SmsStates.ParseCallback(command.MessageStatus) is not { } status)
        {
            return false;
        }
        var message = await db.SmsMessages.FirstOrDefaultAsync(m => m.ProviderSid == command.MessageSid, ct);
        if (message is null)
        {
            logger.LogInformation("Status callback for SMS {Sid} before its send was recorded: kept until the sid arrives", command.MessageSid);
            var now = time.Now();
            var kept = new SmsStatusCallback
            {
                MessageSid = command.MessageSid, MessageStatus = command.MessageStatus, ErrorCode = command.ErrorCode, ReceivedAt = now,
            };
            db.SmsStatusCallbacks.Add(kept);
            // The send job looks for kept callbacks when it stores the sid, but it may have looked just before this
            // row was committed: a timer looks again once the sid is there (SmsCallbackMatchJob).
            db.ScheduledJobs.Add(new ScheduledJob
            {
                Kind = JobKinds.SmsCallbackMatch, SubjectId = kept.Id, DueAt = now + SmsCallbackMatchJob.FirstLook, CreatedAt = now,
            });
            await db.SaveChangesAsync(ct);
            return false;
        }
        if (!await states.ApplyAsync(message, status, command.ErrorCode, ct))
        {
            return false; // a replay or an out-of-order callback: nothing changes
        }
        await db.SaveChangesAsync(ct);
        return true;
    }
}
