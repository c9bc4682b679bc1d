using System.Text.Json;
using AlertHub.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Infrastructure;

/// <summary>The runtime settings AlertHub ships with (AlertHub.csproj), as the built app's runtimeconfig has them.</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void ThreadPoolWorkers_DoNotSpin_TheWorkstationCollectorRunsInTheBackground_AndThereIsNoDynamicPgo()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "AlertHub.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        // Issue 16: a node shares its cores with the database, Redis or another node; spinning workers took their CPU.
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
        // Issue 16: the server collector's heaps and threads per core fought the other processes on those cores.
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());
        // Issue 16: under full load the instrumented tier kept the nodes compiling a minute after the start.
        Assert.False(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }

    [Fact]
    public async Task SettingsFiles_AreNotWatched_SoDatabaseWritesUnderTheContentRootWakeNothing()
    {
        await using var host = await TestHost.StartAsync();
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        var files = configuration.Providers.OfType<JsonConfigurationProvider>().Select(p => p.Source).ToList();
        Assert.NotEmpty(files);
        // Issue 16: a watched content root woke on every SQLite WAL write (5–6 % of a node's CPU).
        Assert.All(files, source => Assert.False(source.ReloadOnChange, source.Path));
    }
}
