using System.Buffers;
using System.Collections.Concurrent;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace AlertHub.Delivery.Push;

/// <summary>
/// The Redis backplane, with two changes:
/// <list type="bullet">
/// <item>A push to users is one publish on one channel (<c>…AlertsHub:users</c>) that every node reads, with the
/// user ids and the message already serialized once per protocol; each node writes it to its own connections of
/// those users. SignalR's own manager publishes once per user and serializes once per user (issue 16: 25 publishes
/// per alert, 13 % of a node's CPU in the two-node raise-only profile).</item>
/// <item>When a push to users cannot go through Redis (down, or a timeout), this node still writes it to its own
/// connections of those users, then reports the failure so the row stays and is relayed to the other nodes once
/// Redis is back. Local clients then get it twice and drop the second by version; without this, Redis being away
/// silenced even the raising node's own devices. A publish slower than half of <c>Outbox:PublishTimeout</c>
/// counts as failed here.</item>
/// </list>
/// </summary>
internal sealed class LocalFallbackLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable where THub : Hub
{
    private static readonly RedisChannel UsersChannel = RedisChannel.Literal(typeof(THub).FullName + ":users");

    private readonly RedisHubLifetimeManager<THub> redis;
    private readonly BackplaneWatch watch;
    private readonly IReadOnlyList<IHubProtocol> protocols;
    private readonly TimeSpan localAfter;
    private readonly ILogger<LocalFallbackLifetimeManager<THub>> logger;
    private readonly ConcurrentDictionary<string, HubConnectionContext> _local = new();

    /// <summary>This node's own members of each group (a follower's group, issue 16), for the same fallback.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _groups = new(StringComparer.Ordinal);

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
    /// Subscribes to the users channel once; StackExchange.Redis subscribes it again after every reconnect. With Redis
    /// away at the start it tries again every second: until then this node's devices get what the dispatcher writes
    /// to them locally after the outage (<see cref="BackplaneWatch.Restored"/>) and the change feed.
    /// </summary>
    private async Task SubscribeAsync()
    {
        var connection = await watch.Connection;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var queue = await connection.GetSubscriber().SubscribeAsync(UsersChannel);
                queue.OnMessage(DeliverAsync);
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                if (attempt == 1)
                {
                    logger.LogWarning("Subscribing to the users channel failed ({Error}); trying again every second", e.GetType().Name);
                }
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>One message of the users channel: in order, one at a time, as SignalR reads each of its channels.</summary>
    private async Task DeliverAsync(ChannelMessage received)
    {
        try
        {
            var (users, message) = Unpack((byte[])received.Message!);
            await WriteLocalAsync(users, message, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "A message of the users channel could not be written to this node's connections");
        }
    }

    private byte[] Pack(IReadOnlyList<string> userIds, InvocationMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(userIds.Count);
        foreach (var user in userIds)
        {
            writer.Write(user);
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

    private static (HashSet<string> Users, SerializedHubMessage Message) Unpack(byte[] payload)
    {
        var reader = new MessagePackReader(payload);
        var users = new HashSet<string>(StringComparer.Ordinal);
        for (var i = reader.ReadArrayHeader(); i > 0; i--)
        {
            users.Add(reader.ReadString()!);
        }
        var serialized = new List<SerializedMessage>();
        for (var i = reader.ReadMapHeader(); i > 0; i--)
        {
            var name = reader.ReadString()!;
            var bytes = reader.ReadBytes() ?? throw new InvalidDataException("A users-channel message without its bytes.");
            serialized.Add(new SerializedMessage(name, bytes.ToArray()));
        }
        return (users, new SerializedHubMessage(serialized));
    }

    private Task WriteLocalAsync(IReadOnlySet<string> users, SerializedHubMessage message, CancellationToken ct)
    {
        // Enumerating the dictionary itself takes no lock (its Values property locks every bucket to copy them).
        var writes = new List<Task>();
        foreach (var (_, connection) in _local)
        {
            if (connection.UserIdentifier is { } user && users.Contains(user))
            {
                writes.Add(connection.WriteAsync(message, ct).AsTask());
            }
        }
        return Task.WhenAll(writes);
    }

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        _local[connection.ConnectionId] = connection;
        try
        {
            await redis.OnConnectedAsync(connection);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // SignalR's backplane refused every new connection while Redis was away. The connection is served by this
            // node meanwhile (pushes to its person come through the users channel once Redis is back, and from this
            // node's own writes until then); it joins its groups again through FollowerPresence's retry.
            logger.LogWarning("Redis unavailable ({Error}): connection {ConnectionId} is served by this node only until Redis is back",
                e.GetType().Name, connection.ConnectionId);
        }
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
            var payload = Pack(userIds, new InvocationMessage(methodName, args));
            var connection = await watch.Connection.WaitAsync(localAfter, cancellationToken);
            await connection.GetSubscriber().PublishAsync(UsersChannel, payload).WaitAsync(localAfter, cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            await SendLocalAsync(userIds, methodName, args, cancellationToken);
            logger.LogWarning("Redis unavailable ({Error}): {Method} written to this node's own connections only", e.GetType().Name, methodName);
            throw;
        }
    }

    /// <summary>To this node's own connections of these users only, not through Redis.</summary>
    public Task SendLocalAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        WriteLocalAsync(userIds.ToHashSet(StringComparer.Ordinal), new SerializedHubMessage(new InvocationMessage(methodName, args)), cancellationToken);

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
