using System.Reflection;

// Run AlertHub's own entry point with the bench's hosting startup added (BenchSeeding.cs).
Environment.SetEnvironmentVariable("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", typeof(AlertHub.BenchHost.BenchStartup).Assembly.GetName().Name);
var main = typeof(AlertHub.Infrastructure.Data.AlertHubDbContext).Assembly.EntryPoint ?? throw new InvalidOperationException("AlertHub has no entry point.");
if (main.Invoke(null, [args]) is Task running)
{
    await running;
}
