using HdrHistogram;

namespace AlertHub.Cli.Bench;

/// <summary>Percentiles in milliseconds of one HdrHistogram (recorded in microseconds).</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary From(HistogramBase histogram) => histogram.TotalCount == 0
        ? new LatencySummary(0, 0, 0, 0, 0)
        : new LatencySummary(histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)), Ms(histogram.GetMaxValue()));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 2);
}

/// <summary>Server memory before and after the partner connections were opened (both after a forced full GC).</summary>
internal sealed record MemoryResult(
    long? RssBefore, long? RssAfter, long? ManagedBefore, long? ManagedAfter,
    double? RssPerConnectionBytes, double? ManagedPerConnectionBytes, string Source);

/// <summary>The fan-out figures of one hub (AlertHub or the bare baseline).</summary>
internal sealed record TargetResult(
    string Target,
    string Database,
    int Nodes,
    int Connections,
    int Accounts,
    double Rate,
    int Alerts,
    int RaiseErrors,
    long Expected,
    long Delivered,
    long Lost,
    long Duplicates,
    LatencySummary PerRecipient,
    LatencySummary PerAlertLastRecipient,
    LatencySummary RaiseResponse,
    double ConnectSeconds,
    int ConnectFailures,
    LatencySummary ConnectPerConnection,
    MemoryResult? Memory,
    double WarmupSeconds = 0);

/// <summary>Closed-loop raising as fast as the hub stores alerts (201 = durable).</summary>
internal sealed record RaiseOnlyResult(
    string Database, int Nodes, int Concurrency, int RecipientsPerAlert, double Seconds, int Stored, int Errors, double AlertsPerSecond, LatencySummary Response,
    double WarmupSeconds = 0);

internal sealed record BenchResult(
    DateTimeOffset At,
    int ProcessorCount,
    string Os,
    TargetResult? AlertHub,
    TargetResult? Bare,
    double? RatioP99PerRecipient,
    double? RatioP99PerAlert,
    RaiseOnlyResult? RaiseOnly);
