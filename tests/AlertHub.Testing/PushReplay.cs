using System.Collections.Concurrent;
using AlertHub.Client;
using AlertHub.Delivery.Push;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlertHub.Testing;

/// <summary>
/// What CONTRACT v2 says a client must survive, made to happen every time: each alert push is sent twice (as after
/// a failover or a relay), and then the push before it about the same alert once more, now out of order. Install
/// it as a service override: <c>TestHost.StartAsync(services: replay.Install)</c>.
/// </summary>
public sealed class PushReplay
{
    private readonly ConcurrentDictionary<Guid, AlertPush> _last = new();
    private int _repeated;
    private int _stale;

    /// <summary>Pushes sent a second time with the same version.</summary>
    public int Repeated => Volatile.Read(ref _repeated);

    /// <summary>Older versions sent after a newer one.</summary>
    public int Stale => Volatile.Read(ref _stale);

    /// <summary>The highest version pushed so far of an alert (0 when none was).</summary>
    public long LastVersionPushed(Guid alertId) => _last.TryGetValue(alertId, out var push) ? push.Alert.Version : 0;

    public void Install(IServiceCollection services)
    {
        services.RemoveAll<IPushPublisher>();
        services.AddSingleton<IPushPublisher>(sp => new Replaying(ActivatorUtilities.CreateInstance<HubPushPublisher>(sp), this));
    }

    private sealed class Replaying(IPushPublisher inner, PushReplay replay) : IPushPublisher
    {
        public async Task PublishAsync(AlertPush push)
        {
            await inner.PublishAsync(push);
            await inner.PublishAsync(push);
            Interlocked.Increment(ref replay._repeated);
            AlertPush? previous = null;
            replay._last.AddOrUpdate(push.Alert.Id, push, (_, before) =>
            {
                previous = before;
                return before.Alert.Version > push.Alert.Version ? before : push;
            });
            if (previous is not null && previous.Alert.Version < push.Alert.Version)
            {
                // The older one as it was sent, AlertRaised included, to the audience it had then.
                await inner.PublishAsync(previous);
                Interlocked.Increment(ref replay._stale);
            }
        }

        public Task PublishEvaluationDueAsync(IReadOnlyList<string> audience, EvaluationDto evaluation) =>
            inner.PublishEvaluationDueAsync(audience, evaluation);

        /// <summary>A receipt delta twice as well: the second holds nothing newer and must change nothing.</summary>
        public async Task PublishRecipientsChangedAsync(IReadOnlyList<string> followers, RecipientsChangedDto delta)
        {
            await inner.PublishRecipientsChangedAsync(followers, delta);
            await inner.PublishRecipientsChangedAsync(followers, delta);
            Interlocked.Increment(ref replay._repeated);
        }
    }
}
