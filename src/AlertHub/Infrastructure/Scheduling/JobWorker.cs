using AlertHub.Infrastructure;
using System.ComponentModel.DataAnnotations;
using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Infrastructure.Scheduling;

internal sealed class SchedulingOptions
{
    public const string SectionName = "Scheduling";

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claim holds; a node that dies mid-job releases it when this runs out.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>This node's name in claims (for operators reading the table).</summary>
    public string NodeName { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";
}

/// <summary>
/// Works off due <see cref="ScheduledJob"/> rows. Claiming is one conditional UPDATE, so with several
/// nodes on one database each job runs on exactly one of them; rows survive restarts.
/// </summary>
internal sealed class JobWorker(
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<SchedulingOptions> options,
    ILogger<JobWorker> logger) : BackgroundService
{
    private const int BatchSize = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RunDueJobsAsync(stoppingToken) == BatchSize)
                {
                    // A full batch: there may be more due right now.
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database being briefly unavailable must not stop the timers for good.
                logger.LogWarning(e, "Job poll failed; retrying after the poll interval");
            }
            try
            {
                await time.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <returns>How many due jobs were found.</returns>
    internal async Task<int> RunDueJobsAsync(CancellationToken ct)
    {
        var now = time.Now();
        List<Guid> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            due = await db.ScheduledJobs
                .Where(j => j.CompletedAt == null && j.DueAt <= now && (j.ClaimedUntil == null || j.ClaimedUntil < now))
                .OrderBy(j => j.DueAt)
                .Select(j => j.Id)
                .Take(BatchSize)
                .ToListAsync(ct);
        }
        foreach (var id in due)
        {
            await RunOneAsync(id, ct);
        }
        return due.Count;
    }

    private async Task RunOneAsync(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var settings = options.Value;
        var now = time.Now();
        var leaseUntil = now + settings.Lease;
        var claimed = await db.ScheduledJobs
            .Where(j => j.Id == id && j.CompletedAt == null && (j.ClaimedUntil == null || j.ClaimedUntil < now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.ClaimedBy, settings.NodeName)
                .SetProperty(j => j.ClaimedUntil, leaseUntil)
                .SetProperty(j => j.Attempts, j => j.Attempts + 1), ct);
        if (claimed == 0)
        {
            return; // another node has it
        }

        var job = await db.ScheduledJobs.AsNoTracking().FirstAsync(j => j.Id == id, ct);
        var handler = scope.ServiceProvider.GetServices<IJobHandler>().FirstOrDefault(h => h.Kind == job.Kind);
        DateTimeOffset? again;
        string? error = null;
        try
        {
            again = handler is null ? null : await handler.RunAsync(job, ct);
            if (handler is null)
            {
                logger.LogError("No handler for job kind {Kind}; marking job {JobId} done", job.Kind, job.Id);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            error = e.GetType().Name;
            again = job.Attempts >= settings.MaxAttempts ? null : time.Now() + Backoff(job.Attempts);
            logger.LogError(e, "Job {JobId} ({Kind}) failed on attempt {Attempt}", job.Id, job.Kind, job.Attempts);
        }

        await using var finish = scopes.CreateAsyncScope();
        var finishDb = finish.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var completedAt = again is null ? time.Now() : (DateTimeOffset?)null;
        var nextDue = again ?? job.DueAt;
        await finishDb.ScheduledJobs
            .Where(j => j.Id == id && j.ClaimedBy == settings.NodeName)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.CompletedAt, completedAt)
                .SetProperty(j => j.DueAt, nextDue)
                .SetProperty(j => j.ClaimedUntil, (DateTimeOffset?)null)
                .SetProperty(j => j.LastError, error), CancellationToken.None);
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(300, 5 * Math.Pow(2, attempt - 1)));
}
