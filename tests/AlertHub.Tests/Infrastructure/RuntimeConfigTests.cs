using System.Text.Json;

namespace AlertHub.Tests.Infrastructure;

/// <summary>The runtime settings AlertHub ships with (AlertHub.csproj), as the built app's runtimeconfig has them.</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void ThreadPoolWorkers_DoNotSpin_AndTheServerCollectorIsOn()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "AlertHub.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        // Issue 16: a node shares its cores with the database, Redis or another node; spinning workers took their CPU.
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
    }
}
