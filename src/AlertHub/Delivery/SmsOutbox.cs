using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Hotline;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery;

/// <summary>
/// Where an SMS is decided (a fallback round, an escalation, an evaluation falling due) it becomes a
/// <see cref="SmsStatus.Pending"/> row in that same transaction; <see cref="SmsStaging"/> gives it its job and
/// <see cref="SmsSendJob"/> sends it. Nothing here talks to the provider.
/// </summary>
internal sealed class SmsOutbox(
    AlertHubDbContext db,
    TimeProvider time,
    IOptions<TwilioOptions> twilio,
    IOptions<HotlineOptions> hotline,
    AlertHubMetrics metrics,
    ILogger<SmsOutbox> logger)
{
    public const string DefaultPublicBaseUrl = "http://127.0.0.1:5080";

    public string LinkFor(Alert alert) => $"{AppLink}/m/{alert.ShortCode}";

    /// <summary>The app itself (an SMS that asks someone to open it).</summary>
    public string AppLink => twilio.Value.PublicBase ?? DefaultPublicBaseUrl;

    public async Task<string> AlertTextAsync(Alert alert, string prefix, CancellationToken ct)
    {
        var region = await db.Regions.AsNoTracking().FirstOrDefaultAsync(r => r.Id == alert.RegionId, ct);
        // Issue 17: every text of a drill starts with OEFENING.
        return SmsText.Alert(alert.Drill ? $"OEFENING {prefix}" : prefix, alert.Kind, alert.SchoolName, alert.RaisedAt, HotlineHours.For(hotline.Value, region).TimeZone, LinkFor(alert));
    }

    /// <summary>One SMS about <paramref name="alert"/> to one recipient, saved with the caller's next SaveChanges.</summary>
    public void ToRecipient(Alert alert, Recipient recipient, Person person, string purpose, string body)
    {
        if (string.IsNullOrEmpty(person.Phone))
        {
            // Never skip a responder silently: the coordinator sees the SMS could not go out.
            logger.LogWarning("Recipient {PersonId} of alert {AlertId} has no phone number for the SMS", person.Id, alert.Id);
            recipient.Delivery = DeliveryState.SmsFailed;
            metrics.SmsFailed(purpose, "no_phone");
            return;
        }
        Add(new SmsMessage { AlertId = alert.Id, RecipientId = recipient.Id, PersonId = person.Id, Purpose = purpose, To = person.Phone, Body = body });
    }

    public void Add(SmsMessage message)
    {
        var now = time.Now();
        message.Status = SmsStatus.Pending;
        message.CreatedAt = now;
        message.UpdatedAt = now;
        db.SmsMessages.Add(message);
    }
}

/// <summary>
/// STYLE 15, for SMS: every Pending row a save adds gets its <c>sms-send</c> job in the same transaction (so a
/// decided SMS cannot exist without the job that sends it), and after the commit the job worker is woken.
/// </summary>
internal sealed class SmsStaging(JobWorker worker) : ISaveChangesStep
{
    private readonly List<ScheduledJob> _jobs = [];

    public int Order => 20;

    public ValueTask<bool> BeforeSaveAsync(AlertHubDbContext db, CancellationToken ct)
    {
        Discard(db);
        foreach (var entry in db.ChangeTracker.Entries<SmsMessage>().Where(e => e.State == EntityState.Added && e.Entity.Status == SmsStatus.Pending).ToList())
        {
            var job = new ScheduledJob { Kind = JobKinds.SmsSend, SubjectId = entry.Entity.Id, DueAt = entry.Entity.CreatedAt, CreatedAt = entry.Entity.CreatedAt };
            db.ScheduledJobs.Add(job);
            _jobs.Add(job);
        }
        return ValueTask.FromResult(false);
    }

    public ValueTask InTransactionAsync(AlertHubDbContext db, CancellationToken ct) => ValueTask.CompletedTask;

    public void AfterCommit()
    {
        if (_jobs.Count > 0)
        {
            worker.Wake();
        }
        _jobs.Clear();
    }

    public void Discard(AlertHubDbContext db)
    {
        db.DetachAdded(_jobs);
        _jobs.Clear();
    }
}

/// <summary>
/// At start-up every SMS row still open (Pending, Sending, NotSent, Uncertain) has its sms-send job: rows written
/// before v2 (which sent first and wrote after) and any row a bug left behind are reconciled, not forgotten.
/// </summary>
internal sealed class SmsJobsCheck(IServiceScopeFactory scopes, TimeProvider time, ILogger<SmsJobsCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        SmsStatus[] open = [SmsStatus.Pending, SmsStatus.Sending, SmsStatus.NotSent, SmsStatus.Uncertain];
        var orphans = await db.SmsMessages.AsNoTracking()
            .Where(m => open.Contains(m.Status))
            .Where(m => !db.ScheduledJobs.Any(j => j.Kind == JobKinds.SmsSend && j.SubjectId == m.Id))
            .OrderBy(m => m.Id).Select(m => m.Id).Take(1000).ToListAsync(cancellationToken);
        if (orphans.Count == 0)
        {
            return;
        }
        var now = time.Now();
        db.ScheduledJobs.AddRange(orphans.Select(id => new ScheduledJob { Kind = JobKinds.SmsSend, SubjectId = id, DueAt = now, CreatedAt = now }));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogWarning("{Count} open SMS rows had no send job; they are reconciled now", orphans.Count);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            logger.LogInformation("Another node gave the open SMS rows their jobs");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
