using Xunit;

namespace AlertHub.Testing;

/// <summary>
/// One redis-server for a test collection (as dotnet/aspnetcore's RedisEndToEnd shares its RedisServerFixture);
/// each test's hosts use their own channel prefix, so tests never hear each other. A test may kill it: the next
/// <see cref="RedisServer.RestartAsync"/> brings it back on the same port.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public static string NewChannelPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
