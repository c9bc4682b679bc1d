using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AlertHub.Infrastructure.Data;

internal sealed class DatabaseHealthCheck(AlertHubDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("De database is niet bereikbaar.");
}
