using System.Collections.Concurrent;
using AlertHub.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace AlertHub.Testing;

/// <summary>
/// A device as a CONTRACT v2 client sees it, kept minimal on purpose so the delivery tests prove the server,
/// not a client library: it keeps the highest version per alert and drops anything not newer (counted as a
/// duplicate), confirms receipts, and on every (re)connect asks the change feed for what changed after its
/// cursor. <see cref="Lost"/> = expected alerts it does not hold.
/// </summary>
public sealed class Device : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, AlertDto> _held = new();
    private readonly object _gate = new();
    private HubConnection? _connection;
    private string? _cursor;

    public Device(string email) => Email = email;

    public string Email { get; }
    public string? AccessToken { get; private set; }
    public int Pushes { get; private set; }
    public int Duplicates { get; private set; }
    public int FromFeed { get; private set; }
    public bool ConfirmReceipts { get; set; } = true;

    /// <summary>Receipts whose hub call failed (counted, not retried: a test that needs them all says so).</summary>
    public int FailedReceipts { get; private set; }
    public string? LastReceiptError { get; private set; }

    /// <summary>Receipts the hub answered with an error (a refusal), not lost with a dropped connection.</summary>
    public int RefusedReceipts { get; private set; }

    /// <summary>Alerts whose receipt call the hub completed.</summary>
    public IReadOnlyCollection<Guid> Confirmed
    {
        get
        {
            lock (_gate)
            {
                return [.. _confirmed];
            }
        }
    }

    private readonly HashSet<Guid> _confirmed = [];
    public IReadOnlyDictionary<Guid, AlertDto> Held => _held;

    /// <summary>Signs in on <paramref name="node"/> and connects there, catching up from the cursor it has.</summary>
    public async Task ConnectAsync(Uri node)
    {
        if (_connection is { } old)
        {
            await old.DisposeAsync();
        }
        var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };
        var client = new AlertHubClient(http);
        if (AccessToken is null)
        {
            await client.LoginAsync(Email, TestHost.DemoPassword);
            AccessToken = client.AccessToken;
        }
        else
        {
            client.UseToken(AccessToken);
        }
        var connection = client.CreateHubConnection();
        connection.On<AlertDto>(HubNames.AlertRaised, alert => ReceiveAsync(connection, alert));
        connection.On<AlertDto>(HubNames.AlertUpdated, alert => ReceiveAsync(connection, alert));
        await connection.StartAsync();
        _connection = connection;
        await CatchUpAsync();
    }

    /// <summary>The change feed from the last cursor, page by page.</summary>
    public async Task CatchUpAsync()
    {
        var connection = _connection ?? throw new InvalidOperationException("Not connected.");
        for (var page = 0; page < 100; page++)
        {
            var changes = await connection.InvokeAsync<AlertChangesDto>(HubNames.GetChangesSince, _cursor);
            foreach (var alert in changes.Alerts)
            {
                if (Keep(alert))
                {
                    FromFeed++;
                }
            }
            _cursor = changes.Cursor;
            if (!changes.More)
            {
                return;
            }
        }
    }

    /// <summary>Goes offline: the connection is dropped, the cursor kept.</summary>
    public async Task DisconnectAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    public int Lost(IEnumerable<Guid> expected) => expected.Count(id => !_held.ContainsKey(id));

    public string Report(IReadOnlyCollection<Guid> expected) =>
        $"{Email}: expected {expected.Count}, held {expected.Count(_held.ContainsKey)}, pushes {Pushes}, duplicates dropped {Duplicates}, from feed {FromFeed}, lost {Lost(expected)}";

    private async Task ReceiveAsync(HubConnection connection, AlertDto alert)
    {
        lock (_gate)
        {
            Pushes++;
        }
        if (Keep(alert) && ConfirmReceipts && alert.Status == AlertStatus.Open)
        {
            // Like the app, a receipt that did not get through is sent again while the connection is up (bounded).
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                try
                {
                    await connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
                    lock (_gate)
                    {
                        _confirmed.Add(alert.Id);
                    }
                    break;
                }
                catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or ObjectDisposedException or Microsoft.AspNetCore.SignalR.HubException)
                {
                    // the connection went away (a node was killed): the receipt is not what those tests count
                    FailedReceipts++;
                    LastReceiptError = e.Message;
                    if (e is Microsoft.AspNetCore.SignalR.HubException)
                    {
                        RefusedReceipts++;
                    }
                    if (connection.State != Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected || e is Microsoft.AspNetCore.SignalR.HubException)
                    {
                        break;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(attempt));
                }
            }
        }
    }

    private bool Keep(AlertDto alert)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(alert.Id, out var held) && held.Version >= alert.Version)
            {
                Duplicates++;
                return false;
            }
            _held[alert.Id] = alert;
            return true;
        }
    }

    public async ValueTask DisposeAsync() => await DisconnectAsync();
}
