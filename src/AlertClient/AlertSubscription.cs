using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace AlertHub.Client;

/// <summary>Settings of an <see cref="AlertSubscription"/>.</summary>
public sealed class AlertSubscriptionOptions
{
    /// <summary>Catch up on alerts with a sequence after this one on the first connect (default 0: everything visible).</summary>
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
/// connection drops (also after a server restart, when SignalR's own reconnect would give up), and calls
/// <c>GetAlertsSince</c> after every (re)connect so nothing raised meanwhile is missed.
/// </summary>
/// <remarks>
/// Every alert id is reported through <see cref="AlertRaised"/> at most once; later versions of it arrive
/// through <see cref="AlertUpdated"/>, and a version identical to the last one reported is not repeated.
/// Handlers run one at a time, in arrival order. Create it with <see cref="AlertHubClient.Subscribe"/>.
/// </remarks>
public sealed class AlertSubscription : IAsyncDisposable
{
    private readonly AlertHubClient _client;
    private readonly IReadOnlyList<Uri> _urls;
    private readonly AlertSubscriptionOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    // Last reported version of each alert (a hash of its JSON), to tell new, changed and repeated apart.
    private readonly Dictionary<Guid, int> _reported = [];
    private readonly HashSet<Guid> _open = [];
    private readonly Queue<Guid> _reportedOrder = new();
    private readonly HashSet<Guid> _unconfirmed = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private long _lastSequence;

    internal AlertSubscription(AlertHubClient client, IReadOnlyList<Uri> urls, AlertSubscriptionOptions? options)
    {
        _client = client;
        _urls = urls;
        _options = options ?? new AlertSubscriptionOptions();
        _lastSequence = _options.SinceSequence;
    }

    /// <summary>A new alert for this user; reported once per alert id.</summary>
    public event Func<AlertDto, Task>? AlertRaised;

    /// <summary>A newer version of an alert (delivery states, answers, updates, resolution).</summary>
    public event Func<AlertDto, Task>? AlertUpdated;

    /// <summary>The connection changed; for display and logging. Runs on the subscription's loop, keep it short.</summary>
    public event Action<SubscriptionStatus>? StatusChanged;

    /// <summary>The highest alert sequence seen; the next catch-up asks for everything after it.</summary>
    public long LastSequence => Interlocked.Read(ref _lastSequence);

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
            connection.On<AlertDto>(HubNames.AlertRaised, alert => ReceiveAsync(connection, alert, raised: true));
            connection.On<AlertDto>(HubNames.AlertUpdated, alert => ReceiveAsync(connection, alert, raised: false));
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

    private async Task CatchUpAsync(HubConnection connection, CancellationToken ct)
    {
        // Pages of at most 500 (the hub's limit); bounded so a misbehaving hub cannot keep us here forever.
        for (var page = 0; page < 100; page++)
        {
            var since = LastSequence;
            var missed = await connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, since, ct);
            foreach (var alert in missed)
            {
                await ReceiveAsync(connection, alert, raised: true);
            }
            if (missed.Count == 0 || LastSequence == since)
            {
                break;
            }
        }
        // GetAlertsSince only returns alerts raised after the sequence: an older alert resolved or
        // cancelled while we were away is re-read by id, so its user does not keep seeing it open.
        Guid[] open;
        await _gate.WaitAsync(ct);
        try
        {
            open = [.. _open];
        }
        finally
        {
            _gate.Release();
        }
        foreach (var id in open)
        {
            try
            {
                await ReceiveAsync(connection, await _client.GetAlertAsync(id, ct), raised: false);
            }
            catch (AlertHubException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Forbidden)
            {
                await ForgetAsync(id, ct);
            }
        }
    }

    private async Task ForgetAsync(Guid id, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _open.Remove(id);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReceiveAsync(HubConnection connection, AlertDto alert, bool raised)
    {
        await _gate.WaitAsync();
        try
        {
            InterlockedMax(ref _lastSequence, alert.Sequence);
            if (alert.Status == AlertStatus.Open)
            {
                _open.Add(alert.Id);
            }
            else
            {
                _open.Remove(alert.Id);
            }
            var version = JsonSerializer.Serialize(alert, AlertHubJson.Options).GetHashCode(StringComparison.Ordinal);
            var known = _reported.TryGetValue(alert.Id, out var last);
            if (known && last == version)
            {
                return;
            }
            Remember(alert.Id, version, known);
            if (known || !raised)
            {
                await InvokeAsync(AlertUpdated, alert);
                return;
            }
            if (_options.ConfirmReceipts && alert.Status == AlertStatus.Open)
            {
                lock (_unconfirmed)
                {
                    _unconfirmed.Add(alert.Id);
                }
                // Not awaited under the gate: the receipt must not delay the next alert. A failed one is retried after reconnecting.
                _ = ConfirmAsync(connection, alert.Id, CancellationToken.None);
            }
            await InvokeAsync(AlertRaised, alert);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Remember(Guid id, int version, bool known)
    {
        _reported[id] = version;
        if (known)
        {
            return;
        }
        _reportedOrder.Enqueue(id);
        while (_reportedOrder.Count > Math.Max(1, _options.RememberedAlerts))
        {
            _reported.Remove(_reportedOrder.Dequeue());
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
}
