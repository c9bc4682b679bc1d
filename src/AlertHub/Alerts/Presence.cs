using System.Collections.Concurrent;

namespace AlertHub.Alerts;

/// <summary>Which people have at least one device connected to this node (used to mark delivery as pushed).</summary>
internal sealed class Presence
{
    private readonly ConcurrentDictionary<Guid, int> _connections = new();

    public void Connected(Guid personId) => _connections.AddOrUpdate(personId, 1, (_, n) => n + 1);

    public void Disconnected(Guid personId)
    {
        var left = _connections.AddOrUpdate(personId, 0, (_, n) => Math.Max(0, n - 1));
        if (left == 0)
        {
            _connections.TryRemove(KeyValuePair.Create(personId, 0));
        }
    }

    public bool IsConnected(Guid personId) => _connections.ContainsKey(personId);
}
