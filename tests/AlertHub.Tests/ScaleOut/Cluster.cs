using AlertHub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.ScaleOut;

[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "scale-out";
}

/// <summary>Two hub nodes on one PostgreSQL database sharing the collection's redis-server: the smallest real cluster.</summary>
internal sealed class Cluster : IAsyncDisposable
{
    private Cluster(RedisServer redis, TestHost a, TestHost b)
    {
        Redis = redis;
        A = a;
        B = b;
    }

    public RedisServer Redis { get; }
    public TestHost A { get; }
    public TestHost B { get; }

    /// <param name="onlyA">Service overrides for node A alone (a node that fails in a chosen way).</param>
    public static async Task<Cluster> StartAsync(RedisFixture redis,
        IReadOnlyDictionary<string, string?>? extra = null, Action<IServiceCollection>? onlyA = null)
    {
        await redis.Server.RestartAsync(); // an earlier test may have left it killed
        var settings = Settings(redis, extra);
        var a = await TestHost.StartAsync(settings: settings, services: onlyA);
        var b = await TestHost.StartAsync(settings: settings);
        return new Cluster(redis.Server, a, b);
    }

    /// <summary>The settings every node of one cluster shares: a fresh database, the Redis server, a channel prefix of its own.</summary>
    public static Dictionary<string, string?> Settings(RedisFixture redis, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var database = "alerthub_cluster_" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:AlertHub"] = PostgresServer.Instance.Database(database),
            ["Redis:Configuration"] = redis.Server.Configuration,
            ["Redis:ChannelPrefix"] = RedisFixture.NewChannelPrefix(),
            ["Outbox:RelayAfter"] = "00:00:01",
            ["Outbox:PublishTimeout"] = "00:00:00.800",
            ["Outbox:SweepInterval"] = "00:00:00.200",
            ["Scheduling:PollInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Redis.RestartAsync();
    }
}
