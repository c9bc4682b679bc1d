using AlertHub.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Infrastructure.Scheduling;

/// <summary>
/// A timer that is one row for the whole cluster (the retention purge, the opening check): a node that starts makes
/// sure it exists and is live — a row completed by a run of failures would stop it for good, so it is revived — and
/// nodes racing on a fresh database insert one (the row is unique per kind and subject).
/// </summary>
internal static class RecurringJob
{
    public static async Task EnsureAsync(IServiceScopeFactory scopes, TimeProvider time, string kind, Guid subject, ILogger logger, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var now = time.Now();
        var revived = await db.ScheduledJobs
            .Where(j => j.Kind == kind && j.SubjectId == subject && j.CompletedAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CompletedAt, (DateTimeOffset?)null).SetProperty(j => j.DueAt, now)
                .SetProperty(j => j.Attempts, 0), ct);
        if (revived > 0 || await db.ScheduledJobs.AnyAsync(j => j.Kind == kind && j.SubjectId == subject, ct))
        {
            return;
        }
        db.ScheduledJobs.Add(new ScheduledJob { Kind = kind, SubjectId = subject, DueAt = now, CreatedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            logger.LogInformation("The {Kind} timer was created by another node", kind);
        }
    }
}
