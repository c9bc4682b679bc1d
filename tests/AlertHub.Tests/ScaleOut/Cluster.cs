using AlertHub.Tests.Support;

namespace AlertHub.Tests.ScaleOut;

/// <summary>Two hub nodes on one PostgreSQL database sharing one redis-server: the smallest real cluster.</summary>
internal sealed class Cluster : IAsyncDisposable
{
    private Cluster(RedisServer redis, TestHost a, TestHost b, string database)
    {
        Redis = redis;
        A = a;
        B = b;
        Database = database;
    }

    public RedisServer Redis { get; }
    public TestHost A { get; }
    public TestHost B { get; private set; }
    public string Database { get; }

    public static async Task<Cluster> StartAsync(
        IReadOnlyDictionary<string, string?>? extra = null, IReadOnlyDictionary<string, string?>? onlyA = null)
    {
        var redis = await RedisServer.StartAsync();
        var database = "alerthub_cluster_" + Guid.NewGuid().ToString("N")[..12];
        var settings = Settings(redis, database, extra);
        var a = await TestHost.StartAsync(settings: Merge(settings, onlyA));
        var b = await TestHost.StartAsync(settings: settings);
        return new Cluster(redis, a, b, database);
    }

    public static Dictionary<string, string?> Settings(RedisServer redis, string database, IReadOnlyDictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:AlertHub"] = PostgresServer.Instance.Database(database),
            ["Redis:Configuration"] = redis.Configuration,
            ["Outbox:RelayAfter"] = "00:00:01",
            ["Outbox:SweepInterval"] = "00:00:00.200",
            ["Scheduling:PollInterval"] = "00:00:00.200",
        };
        return Merge(settings, extra);
    }

    private static Dictionary<string, string?> Merge(Dictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? extra)
    {
        var merged = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }
        return merged;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
