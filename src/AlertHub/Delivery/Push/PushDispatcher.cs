using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Threading.Channels;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Evaluations;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using AlertHub.Infrastructure.Telemetry;
using AlertHub.People;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.Push;

internal sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>
    /// How long the node that wrote a push has it to itself; after that, undispatched, any node relays it.
    /// Longer than <see cref="PublishTimeout"/>, so the relay does not race a fast path that is still sending.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:05:00")]
    public TimeSpan RelayAfter { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long Redis must answer again before relaying: time for every node to re-subscribe.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RedisSettleTime { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The deadline of one publish; a slower one counts as failed and is relayed (clients drop the double by version).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How many pushes are published at the same time.</summary>
    [Range(1, 1024)]
    public int Parallelism { get; set; } = 32;
}

/// <summary>
/// Sends push rows. The fast path gets the rows of every committed save at once (<see cref="PushStaging"/>);
/// the relay sweeps rows whose claim ran out undispatched (their node died, Redis was away, the publish timed
/// out). Both publish in parallel, each publish with a deadline, and several rows about one alert become one
/// push with its latest state. A row is marked dispatched only after its publish succeeded. Clients keep the
/// highest version per alert, so a rare double push is dropped; a lost push cannot happen while the row exists.
/// </summary>
internal sealed class PushDispatcher(
    IPushPublisher publisher,
    IServiceScopeFactory scopes,
    IServiceProvider services,
    TimeProvider time,
    IOptions<OutboxOptions> options,
    IOptions<SchedulingOptions> scheduling,
    AlertHubMetrics metrics,
    ILogger<PushDispatcher> logger) : BackgroundService
{
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Rows the fast path of this node is sending right now: this node's relay leaves them alone.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _inFlight = new();

    /// <summary>
    /// New alerts and receipt deltas of this node's commits, as they were committed: their fast path reads nothing back.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, PrebuiltPush> _prebuilt = new();

    public string NodeName => scheduling.Value.NodeName;

    /// <summary>The committed state of a new alert for its push row (call before <see cref="Enqueue"/>).</summary>
    public void Prebuilt(PushMessage row, AlertDto alert) => _prebuilt[row.Id] = new PrebuiltPush(row, alert.RegionId, alert, null);

    /// <summary>Issue 16: the committed recipients of a receipt-only change, for the followers' delta (call before <see cref="Enqueue"/>).</summary>
    public void PrebuiltDelta(PushMessage row, string regionId, RecipientsChangedDto delta) => _prebuilt[row.Id] = new PrebuiltPush(row, regionId, null, delta);

    public void Enqueue(IEnumerable<Guid> messageIds)
    {
        foreach (var id in messageIds)
        {
            _inFlight[id] = 0;
            _queue.Writer.TryWrite(id);
        }
    }

    /// <summary>Age in seconds of the oldest push not yet dispatched (the outbox-lag metric), also while Redis is away.</summary>
    public double LagSeconds { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<BackplaneWatch>() is { } watch)
        {
            watch.Restored += failedAt => RedeliverLocallyAsync(failedAt, stoppingToken);
        }
        return Task.WhenAll(ConsumeAsync(stoppingToken), SweepAsync(stoppingToken));
    }

    private async Task ConsumeAsync(CancellationToken ct)
    {
        var batch = new List<Guid>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                while (batch.Count < 256 && _queue.Reader.TryRead(out var id))
                {
                    batch.Add(id);
                }
                try
                {
                    await SendFastAsync(batch, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database briefly away: the rows stay and the relay sends them.
                    logger.LogWarning("Fast-path push of {Count} messages failed ({Error}); the relay takes them", batch.Count, e.GetType().Name);
                }
                finally
                {
                    foreach (var id in batch)
                    {
                        _inFlight.TryRemove(id, out _);
                    }
                }
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // shutting down; whatever was not marked is relayed by a node that is still up
        }
    }

    private async Task SendFastAsync(List<Guid> ids, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var now = time.Now();
        var node = NodeName;
        // A new alert's push is built from what was committed (issue 16: the read back was a tenth of a raise's
        // cost). It is still ours while its claim outlasts a whole publish, so the relay cannot be sending it too.
        var prebuilt = new List<PrebuiltPush>();
        foreach (var id in ids)
        {
            if (_prebuilt.TryRemove(id, out var item) && item.Row.ClaimedUntil > now + options.Value.PublishTimeout)
            {
                prebuilt.Add(item);
            }
        }
        if (prebuilt.Count > 0)
        {
            // What a prebuilt push did not settle (a receipt while a v1 follower listens) still takes the read back.
            var unsettled = await SendPrebuiltAsync(db, prebuilt, ct);
            ids = ids.Except(prebuilt.Select(p => p.Row.Id)).Concat(unsettled).ToList();
        }
        if (ids.Count == 0)
        {
            return;
        }
        // Only rows still ours: one whose claim ran out belongs to the relay now (no race, no double). Attempts 0:
        // still the claim of the commit that wrote it. A relay claims with Attempts + 1, also when it is this very
        // node's relay that took the row between its commit and this fast path (a stalled commit, a jump of the clock).
        var messages = await db.PushMessages.AsNoTracking()
            .Where(m => ids.Contains(m.Id) && m.DispatchedAt == null && m.ClaimedBy == node && m.ClaimedUntil > now && m.Attempts == 0)
            .ToListAsync(ct);
        await SendAsync(db, messages, relayed: false, ct);
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
                logger.LogWarning("Outbox relay round failed ({Error}); trying again", e.GetType().Name);
            }
        }
    }

    internal async Task RelayAsync(CancellationToken ct)
    {
        var now = time.Now();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var oldest = await db.PushMessages.Where(m => m.DispatchedAt == null).OrderBy(m => m.CreatedAt)
            .Select(m => (DateTimeOffset?)m.CreatedAt).FirstOrDefaultAsync(ct);
        LagSeconds = oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0;
        if (oldest is null)
        {
            return;
        }
        if (services.GetService<RedisProbe>() is { } redis && !await redis.StableForAsync(options.Value.RedisSettleTime))
        {
            return; // Redis is down or just came back; the pushes wait in the outbox
        }

        var due = await db.PushMessages.AsNoTracking()
            .Where(m => m.DispatchedAt == null && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .OrderBy(m => m.CreatedAt).Select(m => m.Id).Take(200).ToListAsync(ct);
        due.RemoveAll(_inFlight.ContainsKey);
        if (due.Count == 0)
        {
            return;
        }
        var node = NodeName;
        var claimUntil = now + options.Value.RelayAfter;
        var claimed = new List<Guid>();
        foreach (var id in due)
        {
            // One conditional UPDATE per row: with several nodes sweeping, each row goes to one of them.
            var won = await db.PushMessages
                .Where(m => m.Id == id && m.DispatchedAt == null && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedBy, node).SetProperty(m => m.ClaimedUntil, claimUntil)
                    .SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
            if (won == 1)
            {
                claimed.Add(id);
            }
        }
        var messages = await db.PushMessages.AsNoTracking().Where(m => claimed.Contains(m.Id)).ToListAsync(ct);
        await SendAsync(db, messages, relayed: true, ct);
    }

    /// <summary>Sends what this node built at commit; returns the rows that still need the whole alert read back.</summary>
    private async Task<List<Guid>> SendPrebuiltAsync(AlertHubDbContext db, List<PrebuiltPush> items, CancellationToken ct)
    {
        var audience = new AlertAudience(db, services.GetRequiredService<DirectoryCache>());
        var presence = services.GetRequiredService<FollowerPresence>();
        var work = new List<Built>();
        var unsettled = new List<Guid>();
        foreach (var item in items)
        {
            if (item.Alert is { } alert)
            {
                var people = await audience.PushAudienceAsync(alert.RegionId, alert.Recipients.Select(r => r.PersonId), everyone: true, ct);
                work.Add(new Built([item.Row], new AlertPush(alert, Raised: true, Ids(people), []), null));
            }
        }
        foreach (var group in items.Where(i => i.Delta is not null).GroupBy(i => i.Delta!.AlertId))
        {
            var rows = group.Select(i => i.Row).ToList();
            var followers = Ids(await audience.FollowersAsync(group.First().RegionId, ct));
            var deltas = MergeDeltas(group.Select(i => i.Delta!));
            // A v1 follower still listens: the delta goes out now, and the row takes the read back for the whole alert.
            var wholeToo = await presence.AnyWantsWholeAlertAsync(followers);
            if (wholeToo)
            {
                unsettled.AddRange(rows.Select(r => r.Id));
            }
            work.Add(new Built(rows, null, null, new DeltaPush(followers, deltas), MarkRows: !wholeToo));
        }
        await PublishAllAsync(db, work, relayed: false, ct);
        return unsettled;
    }

    /// <summary>
    /// Deltas of one alert in version order, joined where one starts at or before the version the previous one ends at
    /// (the later state of a recipient wins), so a follower usually gets one delta for a whole batch of receipts.
    /// </summary>
    internal static List<RecipientsChangedDto> MergeDeltas(IEnumerable<RecipientsChangedDto> deltas)
    {
        var merged = new List<RecipientsChangedDto>();
        foreach (var delta in deltas.OrderBy(d => d.Version))
        {
            if (merged.Count > 0 && merged[^1] is var last && delta.BaseVersion <= last.Version)
            {
                var byPerson = last.Recipients.ToDictionary(r => r.PersonId);
                foreach (var recipient in delta.Recipients)
                {
                    byPerson[recipient.PersonId] = recipient;
                }
                merged[^1] = last with { Version = Math.Max(last.Version, delta.Version), Recipients = [.. byPerson.Values] };
            }
            else
            {
                merged.Add(delta);
            }
        }
        return merged;
    }

    /// <summary>One push per alert (its latest state) and per evaluation, in parallel, each with a deadline.</summary>
    private async Task SendAsync(AlertHubDbContext db, List<PushMessage> messages, bool relayed, CancellationToken ct)
    {
        if (messages.Count == 0)
        {
            return;
        }
        await PublishAllAsync(db, await BuildAsync(db, messages, ct), relayed, ct);
    }

    private async Task PublishAllAsync(AlertHubDbContext db, List<Built> built, bool relayed, CancellationToken ct)
    {
        var work = built
            .Select(p => (p.Rows, p.MarkRows, Publish: (Func<Task>)(() => p.Alert is { } alert ? publisher.PublishAsync(alert)
                : p.Evaluation is { } due ? publisher.PublishEvaluationDueAsync(due.Audience, due.Evaluation)
                : p.Delta is { } delta ? PublishDeltasAsync(delta) : Task.CompletedTask)))
            .ToList();
        var sent = new List<Guid>();
        var failed = new List<Guid>();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = options.Value.Parallelism, CancellationToken = ct },
            async (item, _) =>
            {
                var ok = await PublishAsync(item.Rows[0], item.Publish, relayed);
                if (!item.MarkRows)
                {
                    return; // the rows' own push comes after this one
                }
                lock (sent)
                {
                    (ok ? sent : failed).AddRange(item.Rows.Select(r => r.Id));
                }
            });
        if (sent.Count > 0)
        {
            var now = time.Now();
            await db.PushMessages.Where(m => sent.Contains(m.Id) && m.DispatchedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.DispatchedAt, now), ct);
        }
        if (failed.Count > 0)
        {
            // Let go at once, so the relay sends them as soon as Redis is back (and settled).
            var node = NodeName;
            var now = time.Now();
            await db.PushMessages.Where(m => failed.Contains(m.Id) && m.ClaimedBy == node && m.DispatchedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedUntil, now), ct);
        }
    }

    private sealed record Built(
        List<PushMessage> Rows, AlertPush? Alert, (IReadOnlyList<string> Audience, EvaluationDto Evaluation)? Evaluation,
        DeltaPush? Delta = null, bool MarkRows = true);

    private sealed record DeltaPush(IReadOnlyList<string> Followers, List<RecipientsChangedDto> Deltas);

    private sealed record PrebuiltPush(PushMessage Row, string RegionId, AlertDto? Alert, RecipientsChangedDto? Delta);

    private async Task PublishDeltasAsync(DeltaPush push)
    {
        foreach (var delta in push.Deltas)
        {
            await publisher.PublishRecipientsChangedAsync(push.Followers, delta);
        }
    }

    private async Task<List<Built>> BuildAsync(AlertHubDbContext db, List<PushMessage> messages, CancellationToken ct)
    {
        var audience = new AlertAudience(db, services.GetRequiredService<DirectoryCache>());
        var built = new List<Built>();
        foreach (var group in messages.Where(m => m.Kind != PushKind.EvaluationDue).GroupBy(m => m.AlertId))
        {
            var alert = await db.Alerts.AsNoTracking().WithDetails().FirstOrDefaultAsync(a => a.Id == group.Key, ct);
            if (alert is null)
            {
                built.Add(new Built(group.ToList(), null, null));
                continue;
            }
            var raised = group.Any(m => m.Kind == PushKind.Raised);
            var everyone = raised || group.Any(m => m.Everyone);
            var people = await audience.PushAudienceAsync(alert.RegionId, alert.Recipients.Select(r => r.PersonId), everyone, ct);
            var newlyAdded = raised ? [] : group.SelectMany(m => m.NewlyAddedIds).Distinct().ToList();
            built.Add(new Built(group.ToList(), new AlertPush(alert.ToDto(), raised, Ids(people), Ids(newlyAdded)), null));
        }
        foreach (var group in messages.Where(m => m.Kind == PushKind.EvaluationDue).GroupBy(m => m.EvaluationId))
        {
            var evaluation = group.Key is { } evaluationId
                ? await db.Evaluations.AsNoTracking().WithDetails().FirstOrDefaultAsync(e => e.Id == evaluationId, ct)
                : null;
            if (evaluation is null || evaluation.Status != EvaluationStatus.Open)
            {
                built.Add(new Built(group.ToList(), null, null));
                continue;
            }
            var people = await audience.EvaluationAudienceAsync(evaluation, ct);
            built.Add(new Built(group.ToList(), null, (Ids(people), evaluation.ToDto(time.Now()))));
        }
        return built;
    }

    /// <summary>
    /// This node's Redis connection came back after failing at <paramref name="failedAt"/>: whatever another node
    /// published meanwhile (or in the seconds it took to notice) may have missed this node's subscriptions, so
    /// every push of that window goes once more to this node's own connections (clients drop it by version if
    /// they had it).
    /// </summary>
    internal async Task RedeliverLocallyAsync(DateTimeOffset failedAt, CancellationToken ct)
    {
        if (services.GetService<Microsoft.AspNetCore.SignalR.HubLifetimeManager<AlertsHub>>() is not LocalFallbackLifetimeManager<AlertsHub> local)
        {
            return;
        }
        var since = failedAt - options.Value.RelayAfter - TimeSpan.FromSeconds(5);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var messages = await db.PushMessages.AsNoTracking().Where(m => m.CreatedAt >= since)
            .OrderBy(m => m.CreatedAt).Take(2000).ToListAsync(ct);
        foreach (var push in await BuildAsync(db, messages, ct))
        {
            if (push.Alert is { } alert)
            {
                var told = alert.Raised ? alert.Audience : alert.Audience.Except(alert.NewlyAdded).ToList();
                if (!alert.Raised && alert.NewlyAdded.Count > 0)
                {
                    await local.SendLocalAsync(alert.NewlyAdded, nameof(IAlertsClient.AlertRaised), [alert.Alert], ct);
                }
                await local.SendLocalAsync(told, alert.Raised ? nameof(IAlertsClient.AlertRaised) : nameof(IAlertsClient.AlertUpdated), [alert.Alert], ct);
            }
            else if (push.Evaluation is { } due)
            {
                await local.SendLocalAsync(due.Audience, nameof(IAlertsClient.EvaluationDue), [due.Evaluation], ct);
            }
        }
        logger.LogInformation("Redis is back: {Count} pushes since {Since:o} written again to this node's own connections", messages.Count, since);
    }

    private async Task<bool> PublishAsync(PushMessage first, Func<Task> publish, bool relayed)
    {
        var kind = first.Kind switch { PushKind.Raised => "raised", PushKind.EvaluationDue => "evaluation_due", _ => "updated" };
        using var activity = AlertHubMetrics.ActivitySource.StartActivity("alerthub.push.fanout");
        activity?.SetTag("alerthub.alert.id", first.AlertId);
        activity?.SetTag("alerthub.push.kind", kind);
        activity?.SetTag("alerthub.push.relayed", relayed);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await publish().WaitAsync(options.Value.PublishTimeout);
            metrics.PushFannedOut(kind, Stopwatch.GetElapsedTime(started));
            if (relayed)
            {
                logger.LogInformation("Relayed push {MessageId} for alert {AlertId}", first.Id, first.AlertId);
            }
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            // Typically the Redis backplane is down or slow. The row stays undispatched and is relayed later.
            logger.LogWarning("Push {MessageId} for alert {AlertId} failed ({Error}); it will be relayed", first.Id, first.AlertId, e.GetType().Name);
            return false;
        }
    }

    private static List<string> Ids(IEnumerable<Guid> ids) => ids.Select(id => id.ToString()).ToList();
}

/// <summary>An alert's latest state for its audience; <see cref="NewlyAdded"/> hear AlertRaised although it is not new (escalation).</summary>
internal sealed record AlertPush(AlertDto Alert, bool Raised, IReadOnlyList<string> Audience, IReadOnlyList<string> NewlyAdded);
