using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Security;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AlertHub.Tests.Security;

/// <summary>
/// The hub's abuse limit against real SignalR clients: receipts are never refused by the limit on other calls, a
/// flood of other calls still is, and neither refusals nor domain errors leave a stack trace per call in the log.
/// </summary>
public sealed class HubRefusalTests
{
    private const string Dispatcher = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    [Fact]
    public async Task ReceiptsForABurstOf200Alerts_ConfirmedAtOnceOnOneConnection_AreNeverRefused()
    {
        var settings = new Dictionary<string, string?>
        {
            // Far below the burst: the old shared bucket refused most of these receipts.
            ["Security:HubInvocationsPerSecond"] = "5",
            ["Security:RaisePerMinute"] = "1000",
            // Raising 200 alerts one by one can take longer than the receipt window on a busy machine: no SMS in between.
            ["Alerts:SmsFallbackAfter"] = "01:00:00",
            ["Alerts:EscalateAfter"] = "01:00:00",
        };
        await using var host = await TestHost.StartAsync(settings: settings);
        var police = await host.ListenAsync(TestHost.Police);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alerts = new List<AlertDto>();
        for (var i = 0; i < 200; i++)
        {
            alerts.Add(await coordinator.RaiseAsync(idempotencyKey: $"burst-{i}"));
        }
        await Eventually.TrueAsync(() => police.Raised.Count >= alerts.Count, "all 200 pushes reached the device", TimeSpan.FromSeconds(30));

        var refused = new ConcurrentQueue<string>();
        await Task.WhenAll(alerts.Select(async alert =>
        {
            try
            {
                await police.Connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
            }
            catch (HubException e)
            {
                refused.Enqueue(e.Message);
            }
        }));

        Assert.Empty(refused);
        foreach (var alert in alerts)
        {
            var stored = await coordinator.GetAlertAsync(alert.Id);
            Assert.Contains(stored.Recipients, r => r.Delivery == DeliveryState.Received);
        }
        // The same connection is still held to the limit on everything else.
        Assert.True(await RefusedOfAsync(police, 30) > 0, "a flood of GetAlertsSince right after the receipts was not refused");
    }

    [Fact]
    public async Task AFloodOfOtherCalls_IsRefusedAndCounted_AndLoggedAsOneLineAMinute_WithoutAStackTracePerCall()
    {
        var log = new CapturingLoggerProvider();
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time,
            settings: new Dictionary<string, string?> { ["Security:HubInvocationsPerSecond"] = "5" },
            services: s => s.AddSingleton<ILoggerProvider>(log));
        using var refusals = new RefusalCounter(host.Services.GetRequiredService<IMeterFactory>());
        var police = await host.ListenAsync(TestHost.Police);

        // Domain refusals first, within the limit: the client hears why, the log gets no stack trace.
        for (var i = 0; i < 3; i++)
        {
            var notFound = await Assert.ThrowsAsync<HubException>(() =>
                police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, Guid.NewGuid(), AckResponse.OnMyWay));
            Assert.Contains("Melding niet gevonden", notFound.Message, StringComparison.Ordinal);
        }
        var refused = await RefusedOfAsync(police, 40);
        Assert.True(refused > 0, "the flood was not refused");

        Assert.Equal(refused, refusals.Of(HubNames.GetAlertsSince));
        Assert.Equal(0, refusals.Of(HubNames.Acknowledge));
        AssertNoStackTracePerCall(log);
        Assert.Empty(Summaries(log)); // not before the minute is over

        await time.AdvanceAsync(HubRefusals.SummaryEvery);
        var first = Assert.Single(await Eventually.HoldsAsync(() => Task.FromResult(Summaries(log)), s => s.Count > 0,
            TimeSpan.FromSeconds(10), "the summary line after a minute"));
        Assert.Equal(LogLevel.Warning, first.Level);
        Assert.Contains($"{HubNames.GetAlertsSince}={refused}", first.Message, StringComparison.Ordinal);

        // More refusals in the next minute: still the one line until that minute is over, then one more.
        var again = await RefusedOfAsync(police, 40);
        Assert.True(again > 0, "the second flood was not refused");
        Assert.Single(Summaries(log));
        await time.AdvanceAsync(HubRefusals.SummaryEvery);
        var summaries = await Eventually.HoldsAsync(() => Task.FromResult(Summaries(log)), s => s.Count > 1,
            TimeSpan.FromSeconds(10), "the second summary line");
        Assert.Equal(2, summaries.Count);
        Assert.Contains($"{HubNames.GetAlertsSince}={again}", summaries[1].Message, StringComparison.Ordinal);
        Assert.Equal(refused + again, refusals.Of(HubNames.GetAlertsSince));
        AssertNoStackTracePerCall(log);
    }

    [Fact]
    public async Task AReceiptFloodFarBeyondAnyBurst_IsRefusedByItsOwnLimit_AndLeavesOtherCallsAlone()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Security:HubInvocationsPerSecond"] = "5",
            ["Security:HubReceiptsPerSecond"] = "10",
        };
        await using var host = await TestHost.StartAsync(settings: settings);
        var police = await host.ListenAsync(TestHost.Police);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            try
            {
                await police.Connection.InvokeAsync(HubNames.ConfirmReceipt, Guid.NewGuid());
                return "ok";
            }
            catch (HubException e)
            {
                return e.Message.Contains("Te veel", StringComparison.Ordinal) ? "refused" : "unknown alert";
            }
        }));

        Assert.Contains("refused", outcomes);
        Assert.Contains("unknown alert", outcomes); // the ones within the limit reached the handler
        Assert.Empty(await police.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L));
    }

    [Fact]
    public async Task ABucketRefilledWhenAsked_KeepsItsPeriod_AndIsFullAgainAfterIt()
    {
        // Issue 16: the buckets have no timer; the filter asks for a refill before every call. A refill asked too
        // early must add nothing, or the limit would be no limit.
        using var bucket = HubInvocationLimiter.ConnectionBuckets.PerSecond(3);
        for (var i = 0; i < 3; i++)
        {
            bucket.TryReplenish();
            Assert.True(bucket.AttemptAcquire().IsAcquired);
        }
        bucket.TryReplenish();
        Assert.False(bucket.AttemptAcquire().IsAcquired);

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        bucket.TryReplenish();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(bucket.AttemptAcquire().IsAcquired);
        }
        Assert.False(bucket.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public async Task AnUnexpectedErrorInAHubCall_IsLoggedOnceWithItsStack_AndTheClientGetsADutchMessage()
    {
        var log = new CapturingLoggerProvider();
        await using var host = await TestHost.StartAsync(services: s => s.AddSingleton<ILoggerProvider>(log));
        var police = await host.ListenAsync(TestHost.Police);
        // A database that lost its alerts table: nothing the hub could expect.
        await host.WithDbAsync(async db =>
        {
            var table = db.Alerts.EntityType.GetTableName();
            var rename = "ALTER TABLE \"" + table + "\" RENAME TO \"" + table + "_gone\""; // a name from the model, not input
            return await db.Database.ExecuteSqlRawAsync(rename);
        });

        var error = await Assert.ThrowsAsync<HubException>(() => police.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L));

        Assert.Contains(HubErrorFilter.UnexpectedMessage, error.Message, StringComparison.Ordinal);
        var logged = await Eventually.HoldsAsync(
            () => Task.FromResult(log.Entries.Where(e => e.Category == typeof(HubErrorFilter).FullName && e.Level == LogLevel.Error).ToList()),
            entries => entries.Count > 0, TimeSpan.FromSeconds(5), "the hub error logged");
        var entry = Assert.Single(logged);
        Assert.Contains(HubNames.GetAlertsSince, entry.Message, StringComparison.Ordinal);
        Assert.NotNull(entry.Exception?.StackTrace);
        Assert.DoesNotContain(log.Entries, e => e.Category.StartsWith(Dispatcher, StringComparison.Ordinal) && e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task TheHubsFilters_AreTheNodesOwnInstances_InTheirOrder_NotLookedUpAgainOnEveryCall()
    {
        await using var host = await TestHost.StartAsync();
        // Issue 16: by type, SignalR resolves and wraps each filter again on every invocation (every receipt).
        // HubOptions keeps its filters in an internal list (SignalR's own HubFilterFactory wraps those added by type);
        // a hub without options of its own (AlertsHub) takes the global ones.
        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HubOptions>>().Value;
        var filters = (IEnumerable<IHubFilter>)typeof(HubOptions)
            .GetProperty("HubFilters", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(options)!;
        Assert.Equal(
            new object[]
            {
                host.Services.GetRequiredService<ConnectionRegistry>(),
                host.Services.GetRequiredService<HubInvocationLimiter>(),
                host.Services.GetRequiredService<HubErrorFilter>(),
            },
            filters.Cast<object>(), ReferenceEqualityComparer.Instance);
        // And they still work as filters: a connection is registered, a receipt goes through.
        var police = await host.ListenAsync(TestHost.Police);
        // The client's start completes on the handshake; the server runs OnConnectedAsync (the registry's filter) after it.
        var registry = host.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.TrueAsync(() => registry.Count == 1, "the connection registered by the registry's filter", TimeSpan.FromSeconds(10));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync(idempotencyKey: "filters");
        await Eventually.TrueAsync(() => police.Raised.Any(a => a.Id == alert.Id), "the push reached the device", TimeSpan.FromSeconds(10));
        await police.Connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
    }

    /// <summary>
    /// Fires <paramref name="calls"/> GetAlertsSince at once on one connection; answers how many the limit refused.
    /// They ask for nothing (past the last sequence) so each is quick: slow calls would let the bucket refill in between.
    /// </summary>
    private static async Task<int> RefusedOfAsync(Listener listener, int calls)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, calls).Select(async _ =>
        {
            try
            {
                await listener.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, long.MaxValue);
                return false;
            }
            catch (HubException e) when (e.Message.Contains(HubInvocationLimiter.RefusedMessage, StringComparison.Ordinal))
            {
                return true;
            }
        }));
        return results.Count(refused => refused);
    }

    private static List<LogEntry> Summaries(CapturingLoggerProvider log) =>
        log.Entries.Where(e => e.Category == typeof(HubRefusals).FullName).ToList();

    /// <summary>SignalR logs a failed hub call at Error with the exception, whose stack trace is the bulk of each entry.</summary>
    private static void AssertNoStackTracePerCall(CapturingLoggerProvider log)
    {
        var entries = log.Entries;
        Assert.DoesNotContain(entries, e => e.Exception is HubException);
        Assert.DoesNotContain(entries, e => e.Category.StartsWith(Dispatcher, StringComparison.Ordinal) && e.Level >= LogLevel.Error);
        Assert.DoesNotContain(entries, e => e.Exception is not null && e.Category == typeof(HubErrorFilter).FullName);
    }

    /// <summary>The host's own <c>alerthub.hub.refusals</c> measurements (the meter's scope is the host's factory).</summary>
    private sealed class RefusalCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _byMethod = new(StringComparer.Ordinal);

        public RefusalCounter(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "alerthub.hub.refusals")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "method")
                    {
                        _byMethod.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
                    }
                }
            });
            _listener.Start();
        }

        public long Of(string method) => _byMethod.GetValueOrDefault(method);

        public void Dispose() => _listener.Dispose();
    }
}
