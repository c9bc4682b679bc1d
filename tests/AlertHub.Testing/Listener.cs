using System.Collections.Concurrent;
using AlertHub.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace AlertHub.Testing;

/// <summary>A signed-in SignalR client that records what the hub pushes and can wait for it.</summary>
public sealed class Listener : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Event, AlertDto Alert)> _events = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ConcurrentQueue<EvaluationDto> _evaluations = new();

    public Listener(AlertHubClient client, bool confirmReceipts = false)
    {
        Client = client;
        Connection = client.CreateHubConnection();
        Connection.On<AlertDto>(HubNames.AlertRaised, alert => Record(HubNames.AlertRaised, alert));
        Connection.On<AlertDto>(HubNames.AlertUpdated, alert => Record(HubNames.AlertUpdated, alert));
        Connection.On<EvaluationDto>(HubNames.EvaluationDue, evaluation =>
        {
            _evaluations.Enqueue(evaluation);
            _signal.Release();
        });
        Connection.On<ReadinessPingDto>(HubNames.ReadinessCheck, async ping =>
        {
            _checks.Enqueue(ping);
            _signal.Release();
            if (AnswerChecks)
            {
                // As the app does: a live device answers the opening check by itself.
                await Connection.InvokeAsync(HubNames.AnswerReadinessCheck, ping.CheckId);
            }
        });
        ConfirmReceipts = confirmReceipts;
    }

    private readonly ConcurrentQueue<ReadinessPingDto> _checks = new();

    /// <summary>Issue 17: the opening checks the hub sent; answered by themselves while <see cref="AnswerChecks"/>.</summary>
    public IReadOnlyList<ReadinessPingDto> Checks => [.. _checks];

    public bool AnswerChecks { get; set; } = true;

    public AlertHubClient Client { get; }
    public HubConnection Connection { get; }
    public bool ConfirmReceipts { get; set; }
    public IReadOnlyList<(string Event, AlertDto Alert)> Events => [.. _events];
    public IReadOnlyList<EvaluationDto> EvaluationsDue => [.. _evaluations];
    public IReadOnlyList<AlertDto> Raised => _events.Where(e => e.Event == HubNames.AlertRaised).Select(e => e.Alert).ToList();

    private async Task Record(string name, AlertDto alert)
    {
        _events.Enqueue((name, alert));
        _signal.Release();
        if (ConfirmReceipts && name == HubNames.AlertRaised)
        {
            await Connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
        }
    }

    /// <summary>Waits until an event matching <paramref name="match"/> has arrived (or fails after the timeout).</summary>
    public async Task<AlertDto> WaitForAsync(string eventName, Func<AlertDto, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var hit = _events.FirstOrDefault(e => e.Event == eventName && match(e.Alert));
            if (hit.Alert is not null)
            {
                return hit.Alert;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _signal.WaitAsync(left))
            {
                throw new TimeoutException($"No {eventName} matching the condition arrived; got {_events.Count} events.");
            }
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
