using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Escalation;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Privacy;

/// <summary>
/// R10 retention (AVG art. 5(1)(e)): once an alert has been closed for <see cref="PrivacyOptions.RetentionDays"/>,
/// its free texts (note, outcome, updates, evaluation answers, inputs and action items), the names in it and the
/// SMS numbers and bodies are overwritten. What the dashboard counts stays: the alert, its times and status,
/// every recipient's discipline, organisation, delivery and answer with their times, the SMS statuses, and how
/// many updates and inputs there were. One recurring timer row; each run handles everything due.
/// </summary>
internal sealed class RetentionPurgeJob(
    AlertHubDbContext db, TimeProvider time, IOptions<PrivacyOptions> options, ILogger<RetentionPurgeJob> logger) : IJobHandler
{
    public const string Redacted = "[verwijderd]";
    private const int BatchSize = 100;

    /// <summary>The recurring job is one row: (kind, this subject) is unique, so every node finds the same one.</summary>
    public static readonly Guid Subject = Guid.Empty;

    public string Kind => JobKinds.PrivacyPurge;

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var now = time.Now();
        var cutoff = now - TimeSpan.FromDays(options.Value.RetentionDays);
        var purged = 0;
        int batch;
        do
        {
            batch = await PurgeBatchAsync(cutoff, now, ct);
            purged += batch;
        }
        while (batch == BatchSize);
        // Webhook bookkeeping carries no text but links a number's traffic to times: kept as long as the alerts.
        await db.InboundSms.Where(m => m.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
        await db.SmsStatusCallbacks.Where(c => c.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
        if (purged > 0)
        {
            logger.LogInformation("Retention purge removed the personal data of {Count} alerts closed before {Cutoff:o}", purged, cutoff);
        }

        // A recurring job: a success clears the attempt count, so a later failure gets its retries again.
        await db.ScheduledJobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Attempts, 0), ct);
        var next = job.DueAt + options.Value.PurgeEvery;
        while (next <= now)
        {
            next += options.Value.PurgeEvery;
        }
        return next;
    }

    private async Task<int> PurgeBatchAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var alerts = await db.Alerts
            .Where(a => a.PurgedAt == null && a.Status != AlertStatus.Open && a.ClosedAt != null && a.ClosedAt <= cutoff)
            .OrderBy(a => a.ClosedAt)
            .Take(BatchSize)
            .WithDetails()
            .ToListAsync(ct);
        if (alerts.Count == 0)
        {
            return 0;
        }
        var ids = alerts.Select(a => a.Id).ToList();
        var sms = await db.SmsMessages.Where(m => m.AlertId != null && ids.Contains(m.AlertId.Value)).ToListAsync(ct);
        await db.AlertInstructions.Where(i => ids.Contains(i.AlertId))
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.Text, Redacted).SetProperty(i => i.ByName, Redacted), ct);
        var evaluations = await db.Evaluations.Where(e => ids.Contains(e.AlertId))
            .Include(e => e.Inputs).Include(e => e.ActionItems).AsSplitQuery().ToListAsync(ct);

        foreach (var alert in alerts)
        {
            alert.Note = RedactedOrNull(alert.Note);
            alert.Outcome = RedactedOrNull(alert.Outcome);
            alert.RaisedByName = Redacted;
            alert.InstructionText = RedactedOrNull(alert.InstructionText);
            alert.InstructionByName = RedactedOrNull(alert.InstructionByName);
            alert.IdempotencyKey = null;
            alert.PurgedAt = now;
            foreach (var recipient in alert.Recipients)
            {
                // The discipline keeps the figures readable ("politie answered after 3 min") without a name.
                recipient.Name = recipient.Discipline is { } discipline ? EscalationJob.DisciplineText(discipline) : Redacted;
            }
            foreach (var update in alert.Updates)
            {
                update.Text = Redacted;
                update.ByName = Redacted;
            }
            db.AuditEntries.Add(new AuditEntry
            {
                At = now, ActorRole = "system", Action = AuditAction.AlertPurged.Name, SubjectType = AuditAction.Subjects.Alert,
                SubjectId = alert.Id, RegionId = alert.RegionId, Via = "system",
            });
        }
        foreach (var message in sms)
        {
            message.To = Redacted;
            message.Body = Redacted;
        }
        foreach (var evaluation in evaluations)
        {
            evaluation.WentWell = RedactedOrNull(evaluation.WentWell);
            evaluation.WentWrong = RedactedOrNull(evaluation.WentWrong);
            evaluation.Cooperation = RedactedOrNull(evaluation.Cooperation);
            evaluation.ClosedByName = RedactedOrNull(evaluation.ClosedByName);
            foreach (var input in evaluation.Inputs)
            {
                input.Text = Redacted;
                input.ByName = Redacted;
            }
            foreach (var item in evaluation.ActionItems)
            {
                item.Description = Redacted;
                item.Owner = RedactedOrNull(item.Owner);
            }
        }
        // One batch, one transaction: an alert is purged completely or not at all.
        await db.SaveChangesAsync(ct);
        return alerts.Count;
    }

    private static string? RedactedOrNull(string? text) => text is null ? null : Redacted;
}

/// <summary>Makes sure the recurring purge row exists (and is live) when a node starts; nodes racing on it insert one.</summary>
internal sealed class RetentionPurgeSchedule(IServiceScopeFactory scopes, TimeProvider time, ILogger<RetentionPurgeSchedule> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        RecurringJob.EnsureAsync(scopes, time, JobKinds.PrivacyPurge, RetentionPurgeJob.Subject, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
