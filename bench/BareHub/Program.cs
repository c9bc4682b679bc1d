using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

// The baseline of `alerthub bench`: the same SignalR transport and JSON protocol as AlertHub, with nothing else —
// no database, no sign-in, no routing. POST /broadcast sends its body as-is to every connection as AlertRaised,
// so the difference to AlertHub's figures is what AlertHub itself costs. With --Redis:Configuration its nodes share
// SignalR's Redis backplane as AlertHub's nodes do (on the thread-pool scheduler, as src/AlertHub/Infrastructure/RedisSetup.cs):
// the baseline of a run with --nodes 2 is two bare nodes behind the same Redis.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var signalR = builder.Services.AddSignalR();
if (builder.Configuration["Redis:Configuration"] is { Length: > 0 } redis)
{
    signalR.AddStackExchangeRedis(redis, options =>
    {
        options.Configuration.ChannelPrefix = RedisChannel.Literal(builder.Configuration["Redis:ChannelPrefix"] ?? "barehub");
        options.Configuration.SocketManager = SocketManager.ThreadPool;
    });
}
builder.Services.AddHostedService<AlertHub.BenchSupport.ParentWatch>();

var app = builder.Build();
app.MapHub<BroadcastHub>("/hubs/alerts");
app.MapPost("/broadcast", async (HttpRequest request, IHubContext<BroadcastHub> hub) =>
{
    var payload = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
    await hub.Clients.All.SendAsync("AlertRaised", payload);
    return Results.Accepted();
});
app.MapGet("/bench/memory", () =>
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    using var process = Process.GetCurrentProcess();
    return Results.Json(new { workingSet = process.WorkingSet64, managedHeap = GC.GetTotalMemory(false) });
});
app.MapGet("/health/live", () => Results.Ok());
app.Run();

/// <summary>Receipts are accepted and dropped, so partners behave exactly as against AlertHub.</summary>
internal sealed class BroadcastHub : Hub
{
    public void ConfirmReceipt(Guid alertId) => _ = alertId;
}
