using System.Collections.Concurrent;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.People;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.Push;

/// <summary>
/// Issue 16: which followers (coordinators, team leads) are connected and how they want receipts. A connection
/// that asked for deltas (<c>?deltas=1</c>) joins the group <c>deltas:{person}</c> and gets
/// <see cref="RecipientsChangedDto"/>; any other follower connection (a v1 client) joins <c>full:{person}</c> and
/// keeps getting the whole alert. A receipt is read back and pushed whole only while somebody listens that way:
/// on this node (counted here) or on another (Redis knows who subscribes to a group's channel: PUBSUB NUMSUB).
/// Partners join no group: they hear of receipts not at all.
/// </summary>
internal sealed class FollowerPresence(
    IServiceScopeFactory scopes,
    IHubContext<AlertsHub, IAlertsClient> hub,
    IServiceProvider services,
    IOptions<RedisOptions> redisOptions,
    ILogger<FollowerPresence> logger)
{
    private const string GroupKey = "alerthub.follower-group";
    private const string FullPrefix = "full:";

    /// <summary>How long a push waits for Redis to say who listens; longer counts as "somebody does".</summary>
    private static readonly TimeSpan AskAtMost = TimeSpan.FromMilliseconds(300);

    private readonly ConcurrentDictionary<string, int> _localFull = new(StringComparer.Ordinal);

    public static string DeltaGroup(string personId) => "deltas:" + personId;

    public static string FullGroup(string personId) => FullPrefix + personId;

    /// <summary>Called when a connection opens; a follower's connection joins its group (a failed join is retried for a minute).</summary>
    public async Task JoinAsync(HubCallerContext connection, IGroupManager groups)
    {
        if (connection.UserIdentifier is not { } personId || !Guid.TryParse(personId, out var id) || !await IsFollowerAsync(id, connection.ConnectionAborted))
        {
            return;
        }
        var deltas = connection.GetHttpContext()?.Request.Query[HubNames.DeltasParameter].ToString() == "1";
        var group = deltas ? DeltaGroup(personId) : FullGroup(personId);
        connection.Items[GroupKey] = group;
        if (!deltas)
        {
            _localFull.AddOrUpdate(personId, 1, (_, n) => n + 1);
        }
        try
        {
            await groups.AddToGroupAsync(connection.ConnectionId, group, connection.ConnectionAborted);
        }
        catch (Exception e) when (RedisProbe.IsOutage(e))
        {
            // Redis away: the connection still works; joining the group again lets the other nodes see it.
            logger.LogWarning("Follower group join failed ({Error}); retrying", e.GetType().Name);
            _ = RetryJoinAsync(connection, group);
        }
    }

    /// <summary>Called when a connection closes (SignalR removes it from its groups itself).</summary>
    public void Leave(HubCallerContext connection)
    {
        if (connection.Items.TryGetValue(GroupKey, out var group) && group is string name && name.StartsWith(FullPrefix, StringComparison.Ordinal)
            && connection.UserIdentifier is { } personId)
        {
            _localFull.AddOrUpdate(personId, 0, (_, n) => Math.Max(0, n - 1));
        }
    }

    /// <summary>
    /// Whether any of these people has a connection that wants the whole alert, on any node. In doubt (Redis does not
    /// answer) yes: a whole alert too many costs work, one too few leaves a v1 screen behind.
    /// </summary>
    public async Task<bool> AnyWantsWholeAlertAsync(IReadOnlyList<string> personIds)
    {
        if (personIds.Count == 0)
        {
            return false;
        }
        if (personIds.Any(p => _localFull.TryGetValue(p, out var n) && n > 0))
        {
            return true;
        }
        if (services.GetService<RedisProbe>() is not { } redis)
        {
            return false; // one node: what it counts is all there is
        }
        if (services.GetService<BackplaneWatch>() is { IsDown: true })
        {
            return true; // no asking a Redis that is away (and no waiting for it in the dispatcher)
        }
        try
        {
            var channels = personIds.Select(p => (object)GroupChannel(FullGroup(p))).ToArray();
            return (await redis.SubscriberCountsAsync(channels).WaitAsync(AskAtMost)).Any(n => n > 0);
        }
        catch (Exception e) when (RedisProbe.IsOutage(e))
        {
            return true;
        }
    }

    /// <summary>The Redis channel of a SignalR group: the configured prefix, the hub's type name, ":group:" and the name.</summary>
    internal string GroupChannel(string group) => redisOptions.Value.ChannelPrefix + typeof(AlertsHub).FullName + ":group:" + group;

    private async Task<bool> IsFollowerAsync(Guid personId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var role = await db.People.AsNoTracking().Where(p => p.Id == personId && p.Active).Select(p => (PersonRole?)p.Role).FirstOrDefaultAsync(ct);
        return role is PersonRole.Coordinator or PersonRole.TeamLead;
    }

    private async Task RetryJoinAsync(HubCallerContext connection, string group)
    {
        for (var attempt = 0; attempt < 30 && !connection.ConnectionAborted.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), connection.ConnectionAborted);
                await hub.Groups.AddToGroupAsync(connection.ConnectionId, group, connection.ConnectionAborted);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (RedisProbe.IsOutage(e))
            {
                // still away; try again
            }
        }
    }
}
