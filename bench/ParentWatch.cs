// Compiled into both bench hubs (BenchHost and BareHub); see their .csproj.
namespace AlertHub.BenchSupport;

/// <summary>
/// Stops a bench hub when the <c>alerthub bench</c> that started it ends, however it ends (finished, Ctrl+C,
/// crashed, <c>kill -9</c>): the bench holds the write end of this process's standard input, so end-of-file
/// means it is gone. Only with <c>ALERTHUB_BENCH_PARENT_PIPE=1</c>, which the bench sets; a hub started by hand
/// for <c>--url</c> keeps running.
/// </summary>
internal sealed class ParentWatch(IHostApplicationLifetime lifetime) : IHostedService
{
    public const string Variable = "ALERTHUB_BENCH_PARENT_PIPE";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(Variable) == "1")
        {
            // A thread of its own: a blocking read of stdin must hold neither the thread pool nor shutdown.
            new Thread(() =>
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[64];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
                lifetime.StopApplication();
            })
            { IsBackground = true, Name = "bench-parent-watch" }.Start();
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
