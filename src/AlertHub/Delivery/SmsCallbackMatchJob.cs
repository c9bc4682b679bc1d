using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery;

/// <summary>
/// A status callback kept because its sid was not stored yet. The send job applies kept callbacks when it stores
/// the sid, but a callback committed just after the send job looked would wait forever: this timer looks again
/// once the sid can be there. Whichever sees both applies the callback; the other finds it gone.
/// </summary>
internal sealed class SmsCallbackMatchJob(AlertHubDbContext db, SmsStates states, TimeProvider time, ILogger<SmsCallbackMatchJob> logger) : IJobHandler
{
    /// <summary>The first look: by then the send that Twilio answered has been committed, unless the node died.</summary>
    public static readonly TimeSpan FirstLook = TimeSpan.FromSeconds(1);

    /// <summary>After this a sid is taken as not ours (another system on the account) and the callback waits for the purge.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(15);

    public string Kind => JobKinds.SmsCallbackMatch;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var callback = await db.SmsStatusCallbacks.AsNoTracking().FirstOrDefaultAsync(c => c.Id == job.SubjectId, ct);
        if (callback is null)
        {
            return null; // the send job applied it
        }
        var message = await db.SmsMessages.FirstOrDefaultAsync(m => m.ProviderSid == callback.MessageSid, ct);
        if (message is null)
        {
            var now = time.Now();
            if (now - callback.ReceivedAt > GiveUpAfter)
            {
                logger.LogWarning("Status callback for SMS {Sid} matched no SMS of ours in {Minutes} minutes", callback.MessageSid, GiveUpAfter.TotalMinutes);
                return null;
            }
            // A node that died after Twilio accepted leaves the row in Sending: reconciliation stores the sid later.
            return now + TimeSpan.FromSeconds(Math.Min(30, Math.Max(1, (now - callback.ReceivedAt).TotalSeconds)));
        }
        await states.ApplyKeptCallbacksAsync(message, ct);
        await db.SaveChangesAsync(ct);
        return null;
    }
}
