using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Delivery;

namespace AlertHub.Infrastructure.Telemetry;

/// <summary>
/// The hub's own metrics, on one <see cref="Meter"/> named "AlertHub" (exported at <c>/metrics</c>).
/// Tags stay low-cardinality and carry no personal data: never a person, school or phone number (R10).
/// </summary>
internal sealed class AlertHubMetrics
{
    public const string MeterName = "AlertHub";

    /// <summary>Spans of the hub's own work (push fan-out); ASP.NET Core adds the request spans around them.</summary>
    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Counter<long> _alertsRaised;
    private readonly Counter<long> _receipts;
    private readonly Counter<long> _smsSent;
    private readonly Counter<long> _smsFailed;
    private readonly Counter<long> _smsReconciled;
    private readonly Counter<long> _hubRefusals;
    private readonly Histogram<double> _fanoutDuration;
    private long _connections;
    private Func<double>? _outboxLag;

    public AlertHubMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _alertsRaised = meter.CreateCounter<long>("alerthub.alerts.raised", "{alert}", "Alerts raised (created, not idempotent repeats).");
        _receipts = meter.CreateCounter<long>("alerthub.receipts", "{receipt}", "Devices that confirmed an alert reached them.");
        _smsSent = meter.CreateCounter<long>("alerthub.sms.sent", "{sms}", "SMS accepted by the provider.");
        _smsFailed = meter.CreateCounter<long>("alerthub.sms.failed", "{sms}", "SMS the provider refused or could not deliver.");
        _smsReconciled = meter.CreateCounter<long>("alerthub.sms.reconciled", "{lookup}",
            "Lookups in the provider's Messages list for an SMS whose send was interrupted or uncertain (found, absent, unknown).");
        _hubRefusals = meter.CreateCounter<long>("alerthub.hub.refusals", "{call}",
            "Hub calls refused by the per-connection abuse limit, by hub method.");
        _fanoutDuration = meter.CreateHistogram("alerthub.push.fanout.duration", "ms",
            "Time to hand an alert push to SignalR (and the backplane) for its whole audience.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] });
        meter.CreateObservableGauge("alerthub.connections", () => Interlocked.Read(ref _connections), "{connection}",
            "SignalR clients connected to this node.");
        meter.CreateObservableGauge("alerthub.outbox.lag", ObserveOutboxLag, "s",
            "Age of the oldest push in the outbox that has not been dispatched yet (0 when empty).");
    }

    public void AlertRaised(AlertKind kind) =>
        _alertsRaised.Add(1, new KeyValuePair<string, object?>("kind", JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString())));

    public void ReceiptConfirmed() => _receipts.Add(1);

    /// <summary>Counts what the provider said: accepted is sent; refused or undelivered is failed; uncertain or not sent yet is neither (it is reconciled or retried).</summary>
    public void SmsOutcome(string purpose, SmsStatus status, string? errorCode)
    {
        if (status is SmsStatus.Sent)
        {
            _smsSent.Add(1, new KeyValuePair<string, object?>("purpose", purpose));
        }
        else if (status is SmsStatus.Failed or SmsStatus.Undelivered)
        {
            SmsFailed(purpose, errorCode);
        }
    }

    public void SmsFailed(string purpose, string? errorCode) => _smsFailed.Add(1,
        new KeyValuePair<string, object?>("purpose", purpose),
        new KeyValuePair<string, object?>("error_code", errorCode ?? "none"));

    public void SmsReconciled(string purpose, Delivery.SmsLookup lookup) => _smsReconciled.Add(1,
        new KeyValuePair<string, object?>("purpose", purpose),
        new KeyValuePair<string, object?>("outcome", lookup switch
        {
            Delivery.SmsLookup.Found => "found",
            Delivery.SmsLookup.Absent => "absent",
            _ => "unknown",
        }));

    public void HubCallRefused(string method) => _hubRefusals.Add(1, new KeyValuePair<string, object?>("method", method));

    public void PushFannedOut(string kind, TimeSpan elapsed) =>
        _fanoutDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("kind", kind));

    public void ClientConnected() => Interlocked.Increment(ref _connections);

    public void ClientDisconnected() => Interlocked.Decrement(ref _connections);

    /// <summary>
    /// Plugs in whatever knows the outbox: it is called on every scrape, so it must be cheap
    /// (a cached value, not a database query) and answer seconds of the oldest undispatched row.
    /// </summary>
    public void UseOutboxLag(Func<double> secondsOfOldestUndispatched) => _outboxLag = secondsOfOldestUndispatched;

    private IEnumerable<Measurement<double>> ObserveOutboxLag()
    {
        // No outbox plugged in: report nothing rather than a reassuring 0.
        if (Volatile.Read(ref _outboxLag) is { } lag)
        {
            yield return new Measurement<double>(lag());
        }
    }
}
