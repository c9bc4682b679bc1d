using Microsoft.AspNetCore.SignalR.Client;

namespace AlertHub.Client;

/// <summary>Settings of an <see cref="AlertSubscription"/>.</summary>
public sealed class AlertSubscriptionOptions
{
    /// <summary>
    /// Where the change feed starts: a <see cref="AlertSubscription.Cursor"/> an earlier subscription of the same
    /// user returned. Null (the default): every alert this user may see that is open or was closed in the last 24 h.
    /// </summary>
    public string? Cursor { get; set; }

    /// <summary>
    /// Alerts with a sequence at or below this one that the first catch-up finds are taken as known and not
    /// reported (later changes of them are, as updates). Default 0: every alert of the first catch-up is reported.
    /// </summary>
    public long SinceSequence { get; set; }

    /// <summary>Confirm receipt of every new open alert to the hub (stops its SMS fallback). Default true.</summary>
    public bool ConfirmReceipts { get; set; } = true;

    /// <summary>First delay before reconnecting; doubles per failed attempt up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan InitialReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Upper bound of the reconnect delay (default 30 s).</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many alert ids are remembered to suppress duplicates (default 10,000; the oldest are forgotten first).</summary>
    public int RememberedAlerts { get; set; } = 10_000;
}

/// <summary>Where an <see cref="AlertSubscription"/> stands.</summary>
public enum SubscriptionState
{
    /// <summary>Opening a connection to <see cref="SubscriptionStatus.Url"/>.</summary>
    Connecting,
    /// <summary>Connected and caught up; live alerts flow.</summary>
    Connected,
    /// <summary>The connection failed or dropped; waiting <see cref="SubscriptionStatus.RetryIn"/> before the next URL.</summary>
    Reconnecting,
    /// <summary>Stopped by its owner.</summary>
    Stopped,
}

/// <summary>A change of an <see cref="AlertSubscription"/>'s connection.</summary>
/// <param name="State">The new state.</param>
/// <param name="Url">The hub address involved.</param>
/// <param name="Error">Why the connection failed or dropped, if it did.</param>
/// <param name="RetryIn">The wait before the next attempt while reconnecting.</param>
public sealed record SubscriptionStatus(SubscriptionState State, Uri? Url, Exception? Error = null, TimeSpan? RetryIn = null);

/// <summary>
/// Follows the signed-in user's alerts for as long as it runs: connects to one of a list of hub addresses,
/// confirms receipt of new alerts, reconnects with exponential backoff across the list whenever the
/// connection drops (also after a server restart, when SignalR's own reconnect would give up), and after
/// every (re)connect reads the CONTRACT v2 change feed (<c>GetChangesSince</c>) from the last cursor, so
/// nothing raised, answered, updated, resolved or cancelled meanwhile is missed. Needs a v2 hub.
/// </summary>
/// <remarks>
/// The subscription keeps the highest <see cref="AlertDto.Version"/> per alert id and drops every push or
/// feed entry that is not newer (the same push may arrive twice, or an older one after a newer one), so a
/// handler never sees an alert go back to an earlier state. The first version it sees of an open alert is
/// reported through <see cref="AlertRaised"/>, once per alert id, whether it came as a push or from the
/// feed; every newer version, and an alert first seen already closed, through <see cref="AlertUpdated"/>.
/// Handlers run one at a time, in arrival order. Create it with <see cref="AlertHubClient.Subscribe"/>.
/// </remarks>
public sealed class AlertSubscription : IAsyncDisposable
{
    // The hub decides the page size; this only bounds a hub that would keep saying "more" forever.
    private const int MaxFeedPages = 1_000;

    private readonly AlertHubClient _client;
    private readonly IReadOnlyList<Uri> _urls;
    private readonly AlertSubscriptionOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    // The highest version held per alert, and its recipient count to notice this user being added (escalation).
    private readonly Dictionary<Guid, Held> _held = [];
    private readonly Queue<Guid> _heldOrder = new();
    private readonly HashSet<Guid> _unconfirmed = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private long _lastSequence;
    private long _dropped;
    private string? _cursor;
    private bool _caughtUpOnce;

    internal AlertSubscription(AlertHubClient client, IReadOnlyList<Uri> urls, AlertSubscriptionOptions? options)
    {
        _client = client;
        _urls = urls;
        _options = options ?? new AlertSubscriptionOptions();
        _cursor = _options.Cursor;
    }

    /// <summary>A new alert for this user (the first version seen of an open alert); reported once per alert id.</summary>
    public event Func<AlertDto, Task>? AlertRaised;

    /// <summary>A newer version of an alert (delivery states, answers, updates, resolution), or an alert first seen closed.</summary>
    public event Func<AlertDto, Task>? AlertUpdated;

    /// <summary>The connection changed; for display and logging. Runs on the subscription's loop, keep it short.</summary>
    public event Action<SubscriptionStatus>? StatusChanged;

    /// <summary>The highest alert sequence seen.</summary>
    public long LastSequence => Interlocked.Read(ref _lastSequence);

    /// <summary>
    /// The change-feed cursor after the last catch-up: the next one asks for what changed after it. Opaque; store it
    /// and pass it as <see cref="AlertSubscriptionOptions.Cursor"/> to resume later. Null before the first catch-up.
    /// </summary>
    public string? Cursor => Volatile.Read(ref _cursor);

    /// <summary>How many pushes and feed entries were dropped because they were not newer than the version held.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The hub address currently connected to, or null.</summary>
    public Uri? ConnectedUrl { get; private set; }

    /// <summary>
    /// Starts following alerts and returns once the first connection is up and caught up. Keeps trying the
    /// addresses until <paramref name="ct"/> is cancelled; after that the subscription still runs on.
    /// </summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("The subscription was already started.");
        }
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        await _firstConnect.Task.WaitAsync(ct);
    }

    /// <summary>Waits until the subscription is connected and caught up again (e.g. after a restart of the hub).</summary>
    public Task WaitUntilConnectedAsync(CancellationToken ct = default) => Volatile.Read(ref _firstConnect).Task.WaitAsync(ct);

    /// <summary>Stops following alerts and closes the connection.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        if (_loop is not null)
        {
            await _loop;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var failures = 0;
        var urlIndex = 0;
        while (!stop.IsCancellationRequested)
        {
            var url = _urls[urlIndex % _urls.Count];
            Exception? error = null;
            var wasConnected = false;
            var connection = _client.CreateHubConnection(baseAddress: url);
            var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
            // Registered before the connection starts: a change committed after the feed was read is pushed, never lost.
            connection.On<AlertDto>(HubNames.AlertRaised, alert => ReceiveAsync(connection, alert, Source.RaisedPush));
            connection.On<AlertDto>(HubNames.AlertUpdated, alert => ReceiveAsync(connection, alert, Source.UpdatedPush));
            // Issue 17: a live subscription is a working device; it answers the opening check by itself.
            connection.On<ReadinessPingDto>(HubNames.ReadinessCheck, ping => connection.InvokeAsync(HubNames.AnswerReadinessCheck, ping.CheckId));
            try
            {
                Report(new SubscriptionStatus(SubscriptionState.Connecting, url));
                await connection.StartAsync(stop);
                ConnectedUrl = url;
                await CatchUpAsync(connection, stop);
                await ConfirmPendingAsync(connection, stop);
                wasConnected = true;
                failures = 0;
                Report(new SubscriptionStatus(SubscriptionState.Connected, url));
                Volatile.Read(ref _firstConnect).TrySetResult();
                error = await closed.Task.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Any failure (refused, 401, hub error during catch-up) is handled the same way: next address, later.
                error = e;
            }
            finally
            {
                ConnectedUrl = null;
                if (wasConnected)
                {
                    Interlocked.Exchange(ref _firstConnect, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }
                await connection.DisposeAsync();
            }

            var delay = wasConnected ? _options.InitialReconnectDelay : Backoff(failures++);
            urlIndex++;
            Report(new SubscriptionStatus(SubscriptionState.Reconnecting, url, error, delay));
            try
            {
                await Task.Delay(delay, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        Report(new SubscriptionStatus(SubscriptionState.Stopped, null));
    }

    // Exponential with full jitter, so many clients of a restarted node do not all come back in the same instant.
    private TimeSpan Backoff(int failures)
    {
        var ceiling = Math.Min(_options.MaxReconnectDelay.TotalMilliseconds,
            _options.InitialReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    /// <summary>
    /// Reads the change feed from the last cursor until the hub says there is no more. The cursor moves on only
    /// after a page was handled, so a connection lost half-way asks for the rest next time.
    /// </summary>
    private async Task CatchUpAsync(HubConnection connection, CancellationToken ct)
    {
        for (var page = 0; page < MaxFeedPages; page++)
        {
            var cursor = Cursor;
            var changes = await connection.InvokeAsync<AlertChangesDto>(HubNames.GetChangesSince, cursor, ct);
            var knownUpTo = _caughtUpOnce ? 0 : _options.SinceSequence;
            foreach (var alert in changes.Alerts)
            {
                await ReceiveAsync(connection, alert, Source.Feed, report: knownUpTo <= 0 || alert.Sequence > knownUpTo);
            }
            Volatile.Write(ref _cursor, changes.Cursor);
            if (!changes.More || changes.Cursor == cursor)
            {
                break;
            }
        }
        _caughtUpOnce = true;
    }

    private async Task ReceiveAsync(HubConnection connection, AlertDto alert, Source source, bool report = true)
    {
        await _gate.WaitAsync();
        try
        {
            InterlockedMax(ref _lastSequence, alert.Sequence);
            var known = _held.TryGetValue(alert.Id, out var held);
            if (known && alert.Version <= held.Version)
            {
                // A repeated push (failover, relay) or one overtaken by a newer state: what we hold is at least as new.
                Interlocked.Increment(ref _dropped);
                return;
            }
            Hold(alert, known);
            if (!report)
            {
                return;
            }
            var open = alert.Status == AlertStatus.Open;
            var isNew = !known && open;
            // Added to an alert this user already follows (escalation): the hub says so with AlertRaised, the feed
            // only shows more recipients. Either way this device has it now, so its SMS fallback can stop.
            var joined = known && open && (source == Source.RaisedPush || alert.Recipients.Count > held.Recipients);
            if (_options.ConfirmReceipts && (isNew || joined))
            {
                lock (_unconfirmed)
                {
                    _unconfirmed.Add(alert.Id);
                }
                // Not awaited under the gate: the receipt must not delay the next alert. A failed one is retried after reconnecting.
                _ = ConfirmAsync(connection, alert.Id, CancellationToken.None);
            }
            await InvokeAsync(isNew ? AlertRaised : AlertUpdated, alert);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Hold(AlertDto alert, bool known)
    {
        _held[alert.Id] = new Held(alert.Version, alert.Recipients.Count);
        if (known)
        {
            return;
        }
        _heldOrder.Enqueue(alert.Id);
        while (_heldOrder.Count > Math.Max(1, _options.RememberedAlerts))
        {
            _held.Remove(_heldOrder.Dequeue());
        }
    }

    private async Task ConfirmPendingAsync(HubConnection connection, CancellationToken ct)
    {
        Guid[] pending;
        lock (_unconfirmed)
        {
            pending = [.. _unconfirmed];
        }
        foreach (var id in pending)
        {
            await ConfirmAsync(connection, id, ct);
        }
    }

    private async Task ConfirmAsync(HubConnection connection, Guid alertId, CancellationToken ct)
    {
        try
        {
            await connection.InvokeAsync(HubNames.ConfirmReceipt, alertId, ct);
            lock (_unconfirmed)
            {
                _unconfirmed.Remove(alertId);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Kept in _unconfirmed; confirmed again after the next connect. Until then the SMS fallback covers it.
        }
    }

    private static async Task InvokeAsync(Func<AlertDto, Task>? handlers, AlertDto alert)
    {
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<Func<AlertDto, Task>>())
        {
            await handler(alert);
        }
    }

    private void Report(SubscriptionStatus status) => StatusChanged?.Invoke(status);

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private enum Source
    {
        RaisedPush,
        UpdatedPush,
        Feed,
    }

    private readonly record struct Held(long Version, int Recipients);
}
