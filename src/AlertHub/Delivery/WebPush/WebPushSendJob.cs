using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.WebPush;

/// <summary>
/// Sends one <see cref="WebPushMessage"/> (claimed by one node at a time). Accepted: Sent, and the recipient moves
/// from pending to <c>pushed</c> (never back from received or an SMS state). 404/410: the subscription is deleted.
/// 429/5xx/network: the job comes back later (backoff, honouring Retry-After up to <c>Push:RetryMax</c>) while the
/// push is still needed. Other 4xx: Failed, logged. Not needed any more (answered, closed): Cancelled.
/// </summary>
internal sealed class WebPushSendJob(
    AlertHubDbContext db,
    WebPushSender sender,
    TimeProvider time,
    IOptions<PushOptions> options,
    ILogger<WebPushSendJob> logger) : IJobHandler
{
    public string Kind => JobKinds.WebPushSend;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var message = await db.WebPushMessages.FirstOrDefaultAsync(m => m.Id == job.SubjectId, ct);
        if (message is null || message.Status != WebPushStatus.Pending)
        {
            return null;
        }
        var alert = await db.Alerts.AsNoTracking().Where(a => a.Id == message.AlertId)
            .Select(a => new { a.Id, a.Sequence, a.Version, a.SchoolName, a.Kind, a.RaisedAt, a.Status, a.Drill })
            .FirstOrDefaultAsync(ct);
        var answered = await db.Recipients.AsNoTracking().AnyAsync(r => r.Id == message.RecipientId && r.Response != null, ct);
        if (alert is null || alert.Status != AlertStatus.Open || (message.Repeat > 0 && answered))
        {
            return await FinishAsync(message, WebPushStatus.Cancelled, null);
        }
        var subscription = await db.PushSubscriptions.FirstOrDefaultAsync(s => s.Id == message.SubscriptionId, ct);
        if (subscription is null || subscription.PersonId != message.PersonId)
        {
            // Removed, ended by the push service, or the browser is someone else's now.
            return await FinishAsync(message, WebPushStatus.Gone, null);
        }

        var payload = new WebPushPayload("alert", alert.Id, alert.Sequence, alert.Version, alert.SchoolName, alert.Kind, alert.RaisedAt,
            alert.Drill, WebPushPayload.UrlFor(alert.Id), Renotify: message.Renotify || message.Repeat > 0 ? true : null,
            Repeat: message.Repeat > 0 ? message.Repeat : null, Instruction: message.InstructionVersion > 0 ? message.InstructionVersion : null);
        message.Attempts++;
        var outcome = await sender.SendAsync(subscription, payload.ToJson(), ct);
        var now = time.Now();
        switch (outcome.Kind)
        {
            case PushOutcomeKind.Accepted:
                subscription.LastSuccessAt = now;
                subscription.Failures = 0;
                if (message.InstructionVersion == 0)
                {
                    await MarkPushedAsync(message.RecipientId, now);
                }
                return await FinishAsync(message, WebPushStatus.Sent, outcome.Detail);
            case PushOutcomeKind.Gone:
                logger.LogInformation("Push service ended subscription {SubscriptionId} ({Status}): deleted", subscription.Id, outcome.Detail);
                db.PushSubscriptions.Remove(subscription);
                return await FinishAsync(message, WebPushStatus.Gone, outcome.Detail);
            case PushOutcomeKind.Rejected:
                logger.LogWarning("Push {PushId} to {Host} refused: {Detail}", message.Id, new Uri(subscription.Endpoint).Host, outcome.Detail);
                subscription.Failures++;
                return await FinishAsync(message, WebPushStatus.Failed, outcome.Detail);
            default:
                subscription.Failures++;
                message.Error = outcome.Detail;
                message.UpdatedAt = now;
                await db.SaveChangesAsync(CancellationToken.None);
                var wait = Backoff(options.Value, message.Attempts, outcome.RetryAfter);
                logger.LogInformation("Push {PushId} to {Host}: {Detail}, tried again in {Wait}", message.Id, new Uri(subscription.Endpoint).Host, outcome.Detail, wait);
                return now + wait;
        }
    }

    internal static TimeSpan Backoff(PushOptions settings, int attempts, TimeSpan? retryAfter)
    {
        var doubling = TimeSpan.FromTicks(Math.Min(settings.RetryMax.Ticks, settings.RetryAfter.Ticks * (1L << Math.Min(attempts - 1, 16))));
        return retryAfter is { } asked && asked > doubling ? (asked < settings.RetryMax ? asked : settings.RetryMax) : doubling;
    }

    /// <summary>
    /// Pending → pushed, atomically: a receipt or SMS state written meanwhile wins. The tracked row is then marked
    /// changed (PushedAt, the value just written) so the save raises the alert's version and tells the followers.
    /// </summary>
    private async Task MarkPushedAsync(Guid recipientId, DateTimeOffset now)
    {
        var moved = await db.Recipients
            .Where(r => r.Id == recipientId && r.Delivery == DeliveryState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Delivery, DeliveryState.Pushed).SetProperty(r => r.PushedAt, now), CancellationToken.None);
        if (moved == 0)
        {
            // Received or texted already: the state stays, but the drill report still learns when the push went out.
            await db.Recipients.Where(r => r.Id == recipientId && r.PushedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.PushedAt, now), CancellationToken.None);
            return;
        }
        var recipient = await db.Recipients.FirstAsync(r => r.Id == recipientId, CancellationToken.None);
        db.Entry(recipient).Property(r => r.PushedAt).IsModified = true;
    }

    private async Task<DateTimeOffset?> FinishAsync(WebPushMessage message, WebPushStatus status, string? detail)
    {
        message.Status = status;
        message.Error = detail ?? message.Error;
        message.UpdatedAt = time.Now();
        await db.SaveChangesAsync(CancellationToken.None);
        return null;
    }
}
