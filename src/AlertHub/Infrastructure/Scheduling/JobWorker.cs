using System.Collections.Concurrent;
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

    /// <summary>Jobs one node runs at the same time: one slow job (an SMS waiting on the provider) never holds the others.</summary>
    [Range(1, 256)]
    public int Parallelism { get; set; } = 16;

    /// <summary>This node's name in claims (for operators reading the table).</summary>
    public string NodeName { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";
}

/// <summary>
/// Works off due <see cref="ScheduledJob"/> rows. Claiming is one conditional UPDATE, so with several
/// nodes on one database each job runs on exactly one of them; rows survive restarts. Up to
/// <c>Scheduling:Parallelism</c> jobs run at once, each on its own: the poll goes on while they run, so a job
/// stuck on a slow provider delays nothing but itself. A save that adds work due now wakes the poll
/// (<see cref="Wake"/>) instead of waiting for the next interval.
/// </summary>
internal sealed class JobWorker(
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<SchedulingOptions> options,
    ILogger<JobWorker> logger) : BackgroundService
{
    private const int BatchSize = 50;

    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private SemaphoreSlim? _slots;

    /// <summary>Poll now: new work is due (called after a commit that added some, and when a job ends).</summary>
    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // already awake
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _slots = new SemaphoreSlim(options.Value.Parallelism, options.Value.Parallelism);
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
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var woken = _wake.WaitAsync(wait.Token);
                await Task.WhenAny(time.WaitAsync(options.Value.PollInterval, wait.Token), woken);
                await wait.CancelAsync();
                stoppingToken.ThrowIfCancellationRequested();
                await woken.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Let the jobs in flight finish their bookkeeping (an SMS's answer must be written); a lease covers the rest.
        await Task.WhenAny(Task.WhenAll(_running.Values), Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
    }

    /// <returns>How many due jobs were found that are not running here already.</returns>
    internal async Task<int> RunDueJobsAsync(CancellationToken ct)
    {
        var now = time.Now();
        List<Guid> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
            var running = _running.Keys.ToList();
            due = await db.ScheduledJobs
                .Where(j => j.CompletedAt == null && j.DueAt <= now && (j.ClaimedUntil == null || j.ClaimedUntil < now))
                .Where(j => !running.Contains(j.Id))
                .OrderBy(j => j.DueAt)
                .Select(j => j.Id)
                .Take(BatchSize)
                .ToListAsync(ct);
        }
        var slots = _slots ?? throw new InvalidOperationException("The job worker has not started.");
        foreach (var id in due)
        {
            await slots.WaitAsync(ct);
            var run = new TaskCompletionSource();
            if (!_running.TryAdd(id, run.Task))
            {
                slots.Release();
                continue;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await RunOneAsync(id, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Job {JobId} could not be run; it is picked up again when its claim runs out", id);
                }
                catch (OperationCanceledException)
                {
                    // stopping
                }
                finally
                {
                    _running.TryRemove(id, out _);
                    slots.Release();
                    run.TrySetResult();
                    Wake(); // a job may have made more work due now (an SMS round, a retry)
                }
            }, CancellationToken.None);
        }
        return due.Count;
    }

    private async Task RunOneAsync(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var settings = options.Value;
        var kind = await db.ScheduledJobs.AsNoTracking().Where(j => j.Id == id).Select(j => j.Kind).FirstOrDefaultAsync(ct);
        var handler = scope.ServiceProvider.GetServices<IJobHandler>().FirstOrDefault(h => h.Kind == kind);
        var now = time.Now();
        var lease = handler?.Lease is { } minimum && minimum > settings.Lease ? minimum : settings.Lease;
        var leaseUntil = now + lease;
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
