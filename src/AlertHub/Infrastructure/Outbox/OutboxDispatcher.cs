using AlertHub.Infrastructure;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Threading.Channels;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Telemetry;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Infrastructure.Outbox;

internal sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>How long the originating node has to push before any node relays the message.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:05:00")]
    public TimeSpan RelayAfter { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long Redis must answer again before relaying: time for every node to re-subscribe.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RedisSettleTime { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>A push ready to go: what the committing node already has in memory.</summary>
internal sealed record OutboxWork(Guid MessageId, AlertDto Alert, OutboxKind Kind, IReadOnlyList<string> Audience, IReadOnlyList<string> NewlyAdded);

/// <summary>
/// Sends staged pushes right after their commit (fast path, in memory) and relays every message no
/// node managed to push (its node died, or Redis was down) once it is older than RelayAfter. Clients
/// drop duplicates by id, so a rare double push (fast path slower than RelayAfter) is harmless;
/// a lost push is not, and cannot happen while the row exists.
/// </summary>
internal sealed class OutboxDispatcher(
    IPushPublisher publisher,
    IServiceScopeFactory scopes,
    IServiceProvider services,
    TimeProvider time,
    IOptions<OutboxOptions> options,
    IOptions<Scheduling.SchedulingOptions> scheduling,
    AlertHubMetrics metrics,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly Channel<OutboxWork> _queue = Channel.CreateUnbounded<OutboxWork>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(OutboxWork work) => _queue.Writer.TryWrite(work);

    /// <summary>Age in seconds of the oldest message not yet pushed (for the outbox-lag metric).</summary>
    public double LagSeconds { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ConsumeAsync(stoppingToken), SweepAsync(stoppingToken));

    private async Task ConsumeAsync(CancellationToken ct)
    {
        var sent = new List<Guid>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                while (sent.Count < 256 && _queue.Reader.TryRead(out var work))
                {
                    if (await SendAsync(work))
                    {
                        sent.Add(work.MessageId);
                    }
                }
                await MarkDispatchedAsync(sent, ct);
                sent.Clear();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // shutting down; whatever was not marked is relayed by a node that is still up
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await time.WaitAsync(options.Value.SweepInterval, ct);
                await RelayAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database or Redis being briefly away must not end relaying for good.
                logger.LogWarning(e, "Outbox relay round failed; trying again");
            }
        }
    }

    internal async Task RelayAsync(CancellationToken ct)
    {
        if (services.GetService<RedisProbe>() is { } redis && !await redis.StableForAsync(options.Value.RedisSettleTime))
        {
            return; // Redis is down or just came back; the pushes wait in the outbox
        }
        var now = time.Now();
        var before = now - options.Value.RelayAfter;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var oldest = await db.OutboxMessages.Where(m => m.DispatchedAt == null).OrderBy(m => m.CreatedAt)
            .Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync(ct);
        LagSeconds = oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0;

        var due = await db.OutboxMessages
            .Where(m => m.DispatchedAt == null && m.CreatedAt < before && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .OrderBy(m => m.CreatedAt).Take(100).ToListAsync(ct);
        var node = scheduling.Value.NodeName;
        foreach (var message in due)
        {
            var claimUntil = now + TimeSpan.FromSeconds(30);
            var claimed = await db.OutboxMessages
                .Where(m => m.Id == message.Id && m.DispatchedAt == null && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedBy, node).SetProperty(m => m.ClaimedUntil, claimUntil)
                    .SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
            if (claimed == 0)
            {
                continue;
            }
            var alert = await db.Alerts.AsNoTracking().WithDetails().FirstOrDefaultAsync(a => a.Id == message.AlertId, ct);
            if (alert is null)
            {
                await MarkDispatchedAsync([message.Id], ct);
                continue;
            }
            var audience = await AlertNotifier.AudienceAsync(db, alert, message.Everyone, ct);
            var added = message.NewlyAdded?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [];
            if (await SendAsync(new OutboxWork(message.Id, alert.ToDto(), message.Kind, audience, added)))
            {
                logger.LogInformation("Relayed outbox message {MessageId} for alert {AlertId}", message.Id, message.AlertId);
                await MarkDispatchedAsync([message.Id], ct);
            }
            else
            {
                // Let go of the claim soon, so the push follows within seconds once Redis is back.
                var retryAt = time.Now() + options.Value.SweepInterval * 2;
                await db.OutboxMessages.Where(m => m.Id == message.Id && m.ClaimedBy == node)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedUntil, retryAt), ct);
            }
        }
    }

    private async Task<bool> SendAsync(OutboxWork work)
    {
        var kind = work.Kind == OutboxKind.Raised ? "raised" : "updated";
        using var activity = AlertHubMetrics.ActivitySource.StartActivity("alerthub.push.fanout");
        activity?.SetTag("alerthub.alert.id", work.Alert.Id);
        activity?.SetTag("alerthub.push.kind", kind);
        activity?.SetTag("alerthub.push.audience", work.Audience.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await publisher.PublishAsync(work);
            metrics.PushFannedOut(kind, Stopwatch.GetElapsedTime(started));
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            // Typically the Redis backplane is down. The row stays undispatched and is relayed later.
            logger.LogWarning("Push of outbox message {MessageId} failed ({Error}); it will be relayed", work.MessageId, e.GetType().Name);
            return false;
        }
    }

    private async Task MarkDispatchedAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }
        var now = time.Now();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        await db.OutboxMessages.Where(m => ids.Contains(m.Id) && m.DispatchedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.DispatchedAt, now), ct);
    }
}

/// <summary>Hands a push to its audience; throws when it could not (the row then stays and is relayed).</summary>
internal interface IPushPublisher
{
    Task PublishAsync(OutboxWork work);
}

/// <summary>Through SignalR, and so through the Redis backplane to every node's clients.</summary>
internal sealed class HubPushPublisher(IHubContext<AlertsHub, IAlertsClient> hub) : IPushPublisher
{
    public async Task PublishAsync(OutboxWork work)
    {
        if (work.Kind == OutboxKind.Raised)
        {
            await hub.Clients.Users(work.Audience).AlertRaised(work.Alert);
            return;
        }
        if (work.NewlyAdded.Count > 0)
        {
            await hub.Clients.Users(work.NewlyAdded).AlertRaised(work.Alert);
        }
        await hub.Clients.Users(work.Audience.Except(work.NewlyAdded).ToList()).AlertUpdated(work.Alert);
    }
}
