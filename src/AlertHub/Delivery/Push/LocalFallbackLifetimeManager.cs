using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;

namespace AlertHub.Delivery.Push;

/// <summary>
/// The Redis backplane, with one addition: when a push to users cannot go through Redis (down, or a
/// timeout), this node still writes it to its own connections of those users, then reports the failure so
/// the row stays and is relayed to the other nodes once Redis is back. Local clients then get it twice and
/// drop the second by version; without this, Redis being away silenced even the raising node's own devices.
/// A publish slower than half of <c>Outbox:PublishTimeout</c> counts as failed here.
/// </summary>
internal sealed class LocalFallbackLifetimeManager<THub>(
    RedisHubLifetimeManager<THub> redis, TimeSpan localAfter, ILogger<LocalFallbackLifetimeManager<THub>> logger)
    : HubLifetimeManager<THub>, IDisposable where THub : Hub
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _local = new();

    /// <summary>This node's own members of each group (a follower's group, issue 16), for the same fallback.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _groups = new(StringComparer.Ordinal);

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        _local[connection.ConnectionId] = connection;
        await redis.OnConnectedAsync(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _local.TryRemove(connection.ConnectionId, out _);
        foreach (var (name, members) in _groups)
        {
            if (members.TryRemove(connection.ConnectionId, out _) && members.IsEmpty)
            {
                _groups.TryRemove(KeyValuePair.Create(name, members));
            }
        }
        await redis.OnDisconnectedAsync(connection);
    }

    public override async Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        try
        {
            // Redis just killed still looks connected until a reply is overdue: give up on it early for our own devices.
            await redis.SendUsersAsync(userIds, methodName, args, cancellationToken).WaitAsync(localAfter, cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            await SendLocalAsync(userIds, methodName, args, cancellationToken);
            logger.LogWarning("Redis unavailable ({Error}): {Method} written to this node's own connections only", e.GetType().Name, methodName);
            throw;
        }
    }

    /// <summary>To this node's own connections of these users only, not through Redis.</summary>
    public async Task SendLocalAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var users = userIds.ToHashSet(StringComparer.Ordinal);
        var message = new InvocationMessage(methodName, args);
        await Task.WhenAll(_local.Values.Where(c => c.UserIdentifier is { } u && users.Contains(u))
            .Select(c => c.WriteAsync(message, cancellationToken).AsTask()));
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        redis.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        redis.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        redis.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        redis.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        redis.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override async Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.SendGroupsAsync(groupNames, methodName, args, cancellationToken).WaitAsync(localAfter, cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            var message = new InvocationMessage(methodName, args);
            var members = groupNames.SelectMany(g => _groups.TryGetValue(g, out var m) ? m.Keys : []).Distinct();
            await Task.WhenAll(members.Select(id => _local.TryGetValue(id, out var c) ? c.WriteAsync(message, cancellationToken).AsTask() : Task.CompletedTask));
            logger.LogWarning("Redis unavailable ({Error}): {Method} written to this node's own group members only", e.GetType().Name, methodName);
            throw;
        }
    }

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        redis.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendUsersAsync([userId], methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_local.ContainsKey(connectionId))
        {
            _groups.GetOrAdd(groupName, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[connectionId] = 0;
        }
        return redis.AddToGroupAsync(connectionId, groupName, cancellationToken);
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_groups.TryGetValue(groupName, out var members))
        {
            members.TryRemove(connectionId, out _);
        }
        return redis.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
    }

    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        redis.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        redis.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        redis.TryGetReturnType(invocationId, out type);

    public void Dispose() => redis.Dispose();
}
