using AlertHub.Delivery;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Privacy;

/// <summary>
/// With <c>Privacy:RedactAtTwilio</c>, Twilio keeps no SMS text once the SMS reached its final status: the status
/// callback schedules this timer (see ApplySmsStatus), which asks Twilio to redact the body. Our own copy
/// follows the retention purge.
/// </summary>
internal sealed class TwilioRedactionJob(AlertHubDbContext db, TwilioSmsSender twilio) : IJobHandler
{
    public string Kind => JobKinds.TwilioRedaction;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var sid = await db.SmsMessages.AsNoTracking().Where(m => m.Id == job.SubjectId).Select(m => m.ProviderSid).FirstOrDefaultAsync(ct);
        if (sid is not null && !await twilio.RedactAsync(sid, ct))
        {
            // Twilio said "later" (429/5xx): the job worker retries with backoff; redacting twice is harmless.
            throw new TwilioBusyException();
        }
        return null;
    }
}

internal sealed class TwilioBusyException() : Exception("Twilio did not accept the redaction yet.");
