using System.Buffers;
using System.Collections.Concurrent;
using AlertHub.Infrastructure;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace AlertHub.Delivery.Push;

/// <summary>
/// The Redis backplane, with three changes:
/// <list type="bullet">
/// <item>A push to users is one publish on one channel (<c>…AlertsHub:users</c>) that every node reads, with the
/// user ids and the message already serialized once per protocol; each node writes it to its own connections of
/// those users. SignalR's own manager publishes once per user and serializes once per user (issue 16: 25 publishes
/// per alert, 13 % of a node's CPU in the two-node raise-only profile). Sends to connections and to all go the same
/// way, on a channel each (<c>…:connections</c>, <c>…:every-connection</c>).</item>
/// <item>So a connection needs no Redis subscription of its own, and only a group's member is known to SignalR's
/// Redis manager (it joins on its first group, <see cref="AddToGroupAsync"/>): a partner's device is not. SignalR's
/// manager subscribed two channels for every connection (its id, its person), 3.8 KB of a bare hub's connection and
/// a Redis round trip at each connect (issue 16, memory per connection). A connection of another node joins a group
/// from its own node (AlertHub's followers do, <see cref="FollowerPresence"/>), as do client results.</item>
/// <item>When a push cannot go through Redis (down, or a timeout), this node still writes it to its own
/// connections, then reports the failure so the row stays and is relayed to the other nodes once
/// Redis is back. Local clients then get it twice and drop the second by version; without this, Redis being away
/// silenced even the raising node's own devices. A publish slower than half of <c>Outbox:PublishTimeout</c>
/// counts as failed here.</item>
/// </list>
/// </summary>
internal sealed class LocalFallbackLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable where THub : Hub
{
    private static readonly RedisChannel UsersChannel = RedisChannel.Literal(typeof(THub).FullName + ":users");
    private static readonly RedisChannel ConnectionsChannel = RedisChannel.Literal(typeof(THub).FullName + ":connections");
    private static readonly RedisChannel EveryConnectionChannel = RedisChannel.Literal(typeof(THub).FullName + ":every-connection");

    /// <summary>Whom a message of one of the three channels is for: the ids it carries are people, connections, or the excluded connections.</summary>
    private enum Audience { Users, Connections, AllExcept }

    private readonly RedisHubLifetimeManager<THub> redis;
    private readonly BackplaneWatch watch;
    private readonly IReadOnlyList<IHubProtocol> protocols;
    private readonly TimeSpan localAfter;
    private readonly ILogger<LocalFallbackLifetimeManager<THub>> logger;
    private readonly ConcurrentDictionary<string, HubConnectionContext> _local = new();

    /// <summary>This node's own members of each group (a follower's group, issue 16), for the same fallback.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _groups = new(StringComparer.Ordinal);

    /// <summary>This node's connections that SignalR's Redis manager knows (a group's members), with their join.</summary>
    private readonly ConcurrentDictionary<string, Lazy<Task>> _joined = new(StringComparer.Ordinal);

    private readonly Lazy<Task> _subscribed;

    public LocalFallbackLifetimeManager(RedisHubLifetimeManager<THub> redis, BackplaneWatch watch, IHubProtocolResolver protocols,
        TimeSpan localAfter, ILogger<LocalFallbackLifetimeManager<THub>> logger)
    {
        this.redis = redis;
        this.watch = watch;
        this.protocols = protocols.AllProtocols;
        this.localAfter = localAfter;
        this.logger = logger;
        _subscribed = new Lazy<Task>(SubscribeAsync);
    }

    /// <summary>
    /// Subscribes to the three channels once; StackExchange.Redis subscribes them again after every reconnect. With Redis
    /// away at the start it tries again every second: until then this node's devices get what the dispatcher writes
    /// to them locally after the outage (<see cref="BackplaneWatch.Restored"/>) and the change feed.
    /// </summary>
    private async Task SubscribeAsync()
    {
        var connection = await watch.Connection;
        var channels = new[] { (UsersChannel, Audience.Users), (ConnectionsChannel, Audience.Connections), (EveryConnectionChannel, Audience.AllExcept) };
        var done = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                for (; done < channels.Length; done++)
                {
                    var (channel, audience) = channels[done];
                    var queue = await connection.GetSubscriber().SubscribeAsync(channel);
                    queue.OnMessage(received => DeliverAsync(audience, received));
                }
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("Subscribing to the backplane's channels failed ({Error}); trying again every second", e.GetType().Name);
                }
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>One message of a channel: in order, one at a time, as SignalR reads each of its channels.</summary>
    private async Task DeliverAsync(Audience audience, ChannelMessage received)
    {
        try
        {
            var (ids, message) = Unpack((byte[])received.Message!);
            await WriteLocalAsync(audience, ids, message, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "A message of the {Audience} channel could not be written to this node's connections", audience);
        }
    }

    private byte[] Pack(IReadOnlyList<string> ids, InvocationMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(ids.Count);
        foreach (var id in ids)
        {
            writer.Write(id);
        }
        writer.WriteMapHeader(protocols.Count);
        foreach (var protocol in protocols)
        {
            writer.Write(protocol.Name);
            writer.Write(protocol.GetMessageBytes(message).Span);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static (HashSet<string> Ids, SerializedHubMessage Message) Unpack(byte[] payload)
    {
        var reader = new MessagePackReader(payload);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = reader.ReadArrayHeader(); i > 0; i--)
        {
            ids.Add(reader.ReadString()!);
        }
        var serialized = new List<SerializedMessage>();
        for (var i = reader.ReadMapHeader(); i > 0; i--)
        {
            var name = reader.ReadString()!;
            var bytes = reader.ReadBytes() ?? throw new InvalidDataException("A backplane message without its bytes.");
            serialized.Add(new SerializedMessage(name, bytes.ToArray()));
        }
        return (ids, new SerializedHubMessage(serialized));
    }

    private Task WriteLocalAsync(Audience audience, IReadOnlySet<string> ids, SerializedHubMessage message, CancellationToken ct)
    {
        var writes = new List<Task>();
        if (audience == Audience.Connections)
        {
            foreach (var id in ids)
            {
                if (_local.TryGetValue(id, out var connection))
                {
                    writes.Add(connection.WriteAsync(message, ct).AsTask());
                }
            }
            return Task.WhenAll(writes);
        }
        // Enumerating the dictionary itself takes no lock (its Values property locks every bucket to copy them).
        foreach (var (id, connection) in _local)
        {
            var isFor = audience == Audience.Users ? connection.UserIdentifier is { } user && ids.Contains(user) : !ids.Contains(id);
            if (isFor)
            {
                writes.Add(connection.WriteAsync(message, ct).AsTask());
            }
        }
        return Task.WhenAll(writes);
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        // No Redis here: a connection is reached through the node's channels, and joins SignalR's manager with its first group.
        _local[connection.ConnectionId] = connection;
        try
        {
            // Subscribed before the connection counts: a push to this user from another node cannot pass it by.
            await _subscribed.Value.WaitAsync(localAfter);
        }
        catch (TimeoutException)
        {
            // Redis away: SubscribeAsync goes on trying; the connection is not refused for it.
        }
    }

    /// <summary>
    /// Makes this node's connection known to SignalR's Redis manager (which subscribes its channels), once. A join
    /// that failed (Redis away) is tried again by the next call: FollowerPresence retries a failed group join.
    /// </summary>
    private async Task JoinBackplaneAsync(HubConnectionContext connection)
    {
        var join = _joined.GetOrAdd(connection.ConnectionId, _ => new Lazy<Task>(() => redis.OnConnectedAsync(connection)));
        try
        {
            await join.Value;
        }
        catch (Exception e) when (RedisProbe.IsOutage(e))
        {
            _joined.TryRemove(KeyValuePair.Create(connection.ConnectionId, join));
            throw;
        }
        if (!_local.ContainsKey(connection.ConnectionId) && _joined.TryRemove(KeyValuePair.Create(connection.ConnectionId, join)))
        {
            // It closed while joining (a retried join): leave again, as OnDisconnectedAsync did before the join was there.
            await redis.OnDisconnectedAsync(connection);
        }
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
        if (_joined.TryRemove(connection.ConnectionId, out var join))
        {
            try
            {
                await join.Value;
            }
            catch (Exception e) when (RedisProbe.IsOutage(e))
            {
                // It did not finish joining; what it did join is left below.
            }
            await redis.OnDisconnectedAsync(connection);
        }
    }

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishAsync(UsersChannel, Audience.Users, userIds, methodName, args, cancellationToken);

    /// <summary>
    /// One publish to every node, which writes it to its own connections of the audience. Redis just killed still looks
    /// connected until a reply is overdue: this gives up on it early and writes to this node's own connections.
    /// </summary>
    private async Task PublishAsync(RedisChannel channel, Audience audience, IReadOnlyList<string> ids, string methodName, object?[] args, CancellationToken ct)
    {
        try
        {
            var payload = Pack(ids, new InvocationMessage(methodName, args));
            var connection = await watch.Connection.WaitAsync(localAfter, ct);
            await connection.GetSubscriber().PublishAsync(channel, payload).WaitAsync(localAfter, ct);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            await WriteLocalAsync(audience, ids.ToHashSet(StringComparer.Ordinal), new SerializedHubMessage(new InvocationMessage(methodName, args)), ct);
            logger.LogWarning("Redis unavailable ({Error}): {Method} written to this node's own connections only", e.GetType().Name, methodName);
            throw;
        }
    }

    /// <summary>To this node's own connections of these users only, not through Redis.</summary>
    public Task SendLocalAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        WriteLocalAsync(Audience.Users, userIds.ToHashSet(StringComparer.Ordinal), new SerializedHubMessage(new InvocationMessage(methodName, args)), cancellationToken);

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        PublishAsync(EveryConnectionChannel, Audience.AllExcept, [], methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        PublishAsync(EveryConnectionChannel, Audience.AllExcept, excludedConnectionIds, methodName, args, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendConnectionsAsync([connectionId], methodName, args, cancellationToken);

    /// <summary>This node's own connections directly (as SignalR's manager does), the others through their nodes.</summary>
    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        var elsewhere = connectionIds.Where(id => !_local.ContainsKey(id)).ToList();
        var here = connectionIds.Count == elsewhere.Count
            ? Task.CompletedTask
            : WriteLocalAsync(Audience.Connections, connectionIds.ToHashSet(StringComparer.Ordinal), new SerializedHubMessage(new InvocationMessage(methodName, args)), cancellationToken);
        return elsewhere.Count == 0 ? here : Task.WhenAll(here, PublishAsync(ConnectionsChannel, Audience.Connections, elsewhere, methodName, args, cancellationToken));
    }

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

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_local.TryGetValue(connectionId, out var connection))
        {
            _groups.GetOrAdd(groupName, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[connectionId] = 0;
            await JoinBackplaneAsync(connection);
        }
        await redis.AddToGroupAsync(connectionId, groupName, cancellationToken);
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_groups.TryGetValue(groupName, out var members))
        {
            members.TryRemove(connectionId, out _);
        }
        // A connection of this node that never joined a group is in none of SignalR's.
        return _local.ContainsKey(connectionId) && !_joined.ContainsKey(connectionId)
            ? Task.CompletedTask
            : redis.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
    }

    /// <summary>A client result: SignalR's manager waits for it, so this node's connection joins it first.</summary>
    public override async Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        if (_local.TryGetValue(connectionId, out var connection))
        {
            await JoinBackplaneAsync(connection);
        }
        return await redis.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);
    }

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        redis.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        redis.TryGetReturnType(invocationId, out type);

    public void Dispose() => redis.Dispose();
}
