using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Telemetry;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Infrastructure.Security;

/// <summary>
/// Token buckets per connection: a flood of hub calls from one client is refused, others are unaffected. Receipts
/// have a bucket of their own, far larger: a device that was offline gets dozens of pushes at once and confirms
/// each, and a refused receipt sends an SMS that was not needed (the handler already drops repeats cheaply).
/// </summary>
internal sealed class HubInvocationLimiter(IOptions<SecurityOptions> options, HubRefusals refusals) : IHubFilter
{
    public const string RefusedMessage = "Te veel verzoeken; probeer het zo opnieuw.";

    private readonly ConcurrentDictionary<string, ConnectionBuckets> _buckets = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var buckets = _buckets.GetOrAdd(context.Context.ConnectionId, _ => new ConnectionBuckets(options.Value));
        var bucket = context.HubMethodName == HubNames.ConfirmReceipt ? buckets.Receipts : buckets.Calls;
        // Refilled when asked (a no-op within the period), not by a timer per bucket: two timers per connection were
        // 4,000 timers and 4,000 callbacks a second at 2,000 devices (issue 16).
        bucket.TryReplenish();
        using var lease = bucket.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            // Counted and summarised once a minute: a line (and SignalR's stack trace) per refusal would let a
            // flooding client fill the disk.
            refusals.Refused(context.HubMethodName);
            throw new HubException(RefusedMessage);
        }
        return await next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (_buckets.TryRemove(context.Context.ConnectionId, out var buckets))
        {
            buckets.Dispose();
        }
        return next(context, exception);
    }

    internal sealed class ConnectionBuckets(SecurityOptions options) : IDisposable
    {
        public TokenBucketRateLimiter Calls { get; } = PerSecond(options.HubInvocationsPerSecond);

        public TokenBucketRateLimiter Receipts { get; } = PerSecond(options.HubReceiptsPerSecond);

        public void Dispose()
        {
            Calls.Dispose();
            Receipts.Dispose();
        }

        internal static TokenBucketRateLimiter PerSecond(int limit) => new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit,
            TokensPerPeriod = limit,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
    }
}

/// <summary>
/// The hub calls the abuse limit refused: counted in <c>alerthub_hub_refusals_total</c> per method, and logged as
/// one line a minute with the count per method, only in a minute that had any.
/// </summary>
internal sealed class HubRefusals(AlertHubMetrics metrics, TimeProvider time, ILogger<HubRefusals> logger) : BackgroundService
{
    public static readonly TimeSpan SummaryEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, StrongBox<long>> _pending = new(StringComparer.Ordinal);

    public void Refused(string method)
    {
        metrics.HubCallRefused(method);
        Interlocked.Increment(ref _pending.GetOrAdd(method, _ => new StrongBox<long>()).Value);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SummaryEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                LogSummary();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping; StopAsync logs what is left
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        LogSummary();
    }

    private void LogSummary()
    {
        // Hub method names only (the filter never sees an unknown one), so the keys stay few.
        var counts = _pending.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (Method: p.Key, Count: Interlocked.Exchange(ref p.Value.Value, 0)))
            .Where(c => c.Count > 0).ToList();
        if (counts.Count > 0)
        {
            logger.LogWarning("Hub abuse limit refused {Refused} calls in the last minute: {PerMethod}",
                counts.Sum(c => c.Count), string.Join(", ", counts.Select(c => $"{c.Method}={c.Count}")));
        }
    }
}

/// <summary>The live connections of this node with the role and region their person had when they connected.</summary>
internal sealed class ConnectionRegistry : IHubFilter
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new();

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
        var device = context.Context.User!.DeviceSessionId();
        if (device is { } deviceId && await db.DeviceSessions.AnyAsync(d => d.Id == deviceId && d.RevokedAt != null))
        {
            context.Context.Abort(); // so is the token of a device whose session was ended
            return;
        }
        _connections[context.Context.ConnectionId] =
            new(context.Context, personId, person.Role, person.RegionId, device, SessionStamps.Of(context.Context.User!));
        await next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _connections.TryRemove(context.Context.ConnectionId, out _);
        return next(context, exception);
    }

    public IReadOnlyList<Connection> Snapshot() => [.. _connections.Values];

    /// <param name="DeviceSessionId">The trusted device the token belongs to (web app), or null (other clients).</param>
    /// <param name="Stamp">The security stamp the token was issued with: an admin ending the person's sessions changes it.</param>
    public sealed record Connection(HubCallerContext Context, Guid PersonId, PersonRole Role, string? RegionId, Guid? DeviceSessionId, string? Stamp);
}

/// <summary>
/// Revocation reaches live connections within seconds: a person deactivated, given another role or
/// moved to another region is disconnected (and refused on reconnect while inactive), and so is a trusted
/// device whose session was ended (its access token is still valid, but it gets no more alerts on it).
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
        var userIds = ids.Select(id => id.ToString()).ToList();
        var stamps = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .Select(u => new { u.Id, u.SecurityStamp }).ToDictionaryAsync(u => u.Id, u => u.SecurityStamp, ct);
        var devices = connections.Where(c => c.DeviceSessionId is not null).Select(c => c.DeviceSessionId!.Value).Distinct().ToList();
        var endedDevices = devices.Count == 0
            ? []
            : (await db.DeviceSessions.AsNoTracking().Where(d => devices.Contains(d.Id) && d.RevokedAt != null)
                .Select(d => d.Id).ToListAsync(ct)).ToHashSet();
        foreach (var connection in connections)
        {
            if (!current.TryGetValue(connection.PersonId, out var person) || !person.Active
                || person.Role != connection.Role || person.RegionId != connection.RegionId
                || (connection.DeviceSessionId is { } device && endedDevices.Contains(device))
                || (connection.Stamp is not null && stamps.GetValueOrDefault(connection.PersonId.ToString()) != connection.Stamp))
            {
                logger.LogInformation("Closing hub connection of person {PersonId}: access changed", connection.PersonId);
                connection.Context.Abort();
            }
        }
    }
}
