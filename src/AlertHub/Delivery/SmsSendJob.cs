using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Evaluations;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.Infrastructure.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// Sends one SMS row, exactly once as far as the provider can tell us (README "SMS: exactly once"). The job's
/// claim makes this the only node working on the row; its lease outlasts the longest send, so a row found in
/// <see cref="SmsStatus.Sending"/> at the start means the node that sent it died (or lost its lease) mid-call.
/// <list type="bullet">
/// <item>Pending / NotSent: still needed? → Sending (written before the call) → the provider's answer.</item>
/// <item>Sending / Uncertain: reconciliation first — the provider's Messages list for that number since the row
/// was made. Found: Sent with its sid. Provably absent: sent again. Provider unreachable: asked again later.</item>
/// <item>NotSent is retried with backoff until the recipient answered or the alert (evaluation) closed.</item>
/// </list>
/// </summary>
internal sealed class SmsSendJob(
    AlertHubDbContext db,
    ISmsSender sender,
    SmsStates states,
    TimeProvider time,
    IOptions<SmsOptions> options,
    IOptions<TwilioOptions> twilio,
    AlertHubMetrics metrics,
    ILogger<SmsSendJob> logger) : IJobHandler
{
    public string Kind => JobKinds.SmsSend;

    /// <summary>Longer than the longest send (timeouts and Retry-After waits included), so no second node reconciles a send still in flight.</summary>
    public TimeSpan? Lease => twilio.Value.LongestSend + TimeSpan.FromSeconds(10);

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var message = await db.SmsMessages.FirstOrDefaultAsync(m => m.Id == job.SubjectId, ct);
        if (message is null || !message.IsOpen)
        {
            return null;
        }
        var settings = options.Value;

        if (message.Status is SmsStatus.Sending or SmsStatus.Uncertain)
        {
            var known = await db.SmsMessages.AsNoTracking()
                .Where(m => m.To == message.To && m.Id != message.Id && m.ProviderSid != null && m.CreatedAt >= message.CreatedAt - TimeSpan.FromDays(1))
                .Select(m => m.ProviderSid!).ToListAsync(ct);
            var lookup = await sender.FindAsync(message.To, message.Body, message.CreatedAt, known.ToHashSet(), ct);
            metrics.SmsReconciled(message.Purpose, lookup);
            switch (lookup)
            {
                case SmsLookup.Found found:
                    logger.LogInformation("SMS {SmsId} ({Status}) found at the provider as {Sid}: it went out", message.Id, message.Status, found.Sid);
                    await states.AcceptedAsync(message, found.Sid, found.Status, found.ErrorCode, ct);
                    await db.SaveChangesAsync(CancellationToken.None);
                    return null;
                case SmsLookup.Unknown:
                    return time.Now() + settings.ReconcileAfter;
                default:
                    logger.LogInformation("SMS {SmsId} ({Status}) is not at the provider: sending it (again)", message.Id, message.Status);
                    break;
            }
        }

        if (!await StillNeededAsync(message, ct))
        {
            message.Status = SmsStatus.Cancelled;
            message.UpdatedAt = time.Now();
            await db.SaveChangesAsync(ct);
            return null;
        }

        // The moment of doubt is on disk before the call: if this node dies now, the next one reconciles.
        message.Status = SmsStatus.Sending;
        message.Attempts++;
        message.UpdatedAt = time.Now();
        await db.SaveChangesAsync(ct);

        var result = await sender.SendAsync(message.To, message.Body, ct);
        DateTimeOffset? again = null;
        switch (result.Status)
        {
            case SmsStatus.Sent or SmsStatus.Queued:
                await states.AcceptedAsync(message, result.ProviderSid!, result.Status, null, CancellationToken.None);
                break;
            case SmsStatus.Failed:
                await states.ApplyAsync(message, SmsStatus.Failed, result.ErrorCode, CancellationToken.None);
                break;
            case SmsStatus.NotSent:
                message.Status = SmsStatus.NotSent;
                again = time.Now() + Backoff(settings, message.Attempts);
                break;
            default:
                message.Status = SmsStatus.Uncertain;
                again = time.Now() + settings.ReconcileAfter;
                break;
        }
        if (result.Status is not (SmsStatus.Sent or SmsStatus.Queued))
        {
            message.ErrorCode = result.ErrorCode;
            logger.LogWarning("SMS {SmsId} ({Purpose}): {Status} ({ErrorCode}) after attempt {Attempt}", message.Id, message.Purpose, message.Status, result.ErrorCode, message.Attempts);
        }
        message.UpdatedAt = time.Now();
        await db.SaveChangesAsync(CancellationToken.None);
        return again;
    }

    private static TimeSpan Backoff(SmsOptions settings, int attempts) =>
        TimeSpan.FromTicks(Math.Min(settings.RetryMax.Ticks, settings.RetryAfter.Ticks * (1L << Math.Min(attempts - 1, 16))));

    /// <summary>An SMS that has not gone out yet is dropped when what it asks for is no longer open.</summary>
    private async Task<bool> StillNeededAsync(SmsMessage message, CancellationToken ct)
    {
        if (message.EvaluationId is { } evaluationId)
        {
            return await db.Evaluations.AnyAsync(e => e.Id == evaluationId && e.Status == EvaluationStatus.Open, ct);
        }
        if (message.AlertId is { } alertId && !await db.Alerts.AnyAsync(a => a.Id == alertId && a.Status == AlertStatus.Open, ct))
        {
            return false;
        }
        if (message.RecipientId is { } recipientId)
        {
            var recipient = await db.Recipients.AsNoTracking().FirstOrDefaultAsync(r => r.Id == recipientId, ct);
            return recipient is not null && recipient.Response is null
                && (message.Purpose != SmsPurposes.Fallback || recipient.ReceivedAt is null);
        }
        return true;
    }
}
