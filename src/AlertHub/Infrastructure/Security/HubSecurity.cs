using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Infrastructure.Security;

/// <summary>A token bucket per connection: a flood of hub calls from one client is refused, others are unaffected.</summary>
internal sealed class HubInvocationLimiter(IOptions<SecurityOptions> options) : IHubFilter
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var bucket = _buckets.GetOrAdd(context.Context.ConnectionId, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.HubInvocationsPerSecond,
            TokensPerPeriod = options.Value.HubInvocationsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = bucket.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            throw new HubException("Te veel verzoeken; probeer het zo opnieuw.");
        }
        return await next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (_buckets.TryRemove(context.Context.ConnectionId, out var bucket))
        {
            bucket.Dispose();
        }
        return next(context, exception);
    }
}

/// <summary>The live connections of this node with the role and region their person had when they connected.</summary>
internal sealed class ConnectionRegistry : IHubFilter
{
    private readonly ConcurrentDictionary<string, (HubCallerContext Context, Guid PersonId, PersonRole Role, string? RegionId)> _connections = new();

    public int Count => _connections.Count;

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var personId = context.Context.User!.PersonId();
        var db = context.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var person = await db.People.AsNoTracking().Where(p => p.Id == personId)
            .Select(p => new { p.Active, p.Role, p.RegionId }).FirstOrDefaultAsync();
        if (person is null || !person.Active)
        {
            context.Context.Abort(); // a deactivated person's token is still valid for a while; the hub says no
            return;
        }
        _connections[context.Context.ConnectionId] = (context.Context, personId, person.Role, person.RegionId);
        await next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _connections.TryRemove(context.Context.ConnectionId, out _);
        return next(context, exception);
    }

    public IReadOnlyList<(HubCallerContext Context, Guid PersonId, PersonRole Role, string? RegionId)> Snapshot() => [.. _connections.Values];
}

/// <summary>
/// Revocation reaches live connections within seconds: a person deactivated, given another role or
/// moved to another region is disconnected (and refused on reconnect while inactive).
/// </summary>
internal sealed class ConnectionRechecker(
    ConnectionRegistry registry, IServiceScopeFactory scopes, IOptions<SecurityOptions> options, ILogger<ConnectionRechecker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RecheckConnectionsEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RecheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Rechecking hub connections failed; trying again");
            }
        }
    }

    private async Task RecheckAsync(CancellationToken ct)
    {
        var connections = registry.Snapshot();
        if (connections.Count == 0)
        {
            return;
        }
        var ids = connections.Select(c => c.PersonId).Distinct().ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var current = await db.People.AsNoTracking().Where(p => ids.Contains(p.Id))
            .Select(p => new { p.Id, p.Active, p.Role, p.RegionId }).ToDictionaryAsync(p => p.Id, ct);
        foreach (var connection in connections)
        {
            if (!current.TryGetValue(connection.PersonId, out var person) || !person.Active
                || person.Role != connection.Role || person.RegionId != connection.RegionId)
            {
                logger.LogInformation("Closing hub connection of person {PersonId}: access changed", connection.PersonId);
                connection.Context.Abort();
            }
        }
    }
}
