using AlertHub.Alerts;
using AlertHub.Client;
using Microsoft.AspNetCore.SignalR;

namespace AlertHub.Delivery.Push;

/// <summary>Hands a push to its audience; throws when it could not (the row then stays and is relayed).</summary>
internal interface IPushPublisher
{
    Task PublishAsync(AlertPush push);

    Task PublishEvaluationDueAsync(IReadOnlyList<string> audience, EvaluationDto evaluation);

    /// <summary>Issue 16: receipts as a delta to those of <paramref name="followers"/>' connections that asked for deltas.</summary>
    Task PublishRecipientsChangedAsync(IReadOnlyList<string> followers, RecipientsChangedDto delta);
}

/// <summary>Through SignalR, and so through the Redis backplane to every node's clients.</summary>
internal sealed class HubPushPublisher(IHubContext<AlertsHub, IAlertsClient> hub) : IPushPublisher
{
    public async Task PublishAsync(AlertPush push)
    {
        if (push.Raised)
        {
            await hub.Clients.Users(push.Audience).AlertRaised(push.Alert);
            return;
        }
        var told = push.Audience.Except(push.NewlyAdded).ToList();
        await Task.WhenAll(
            push.NewlyAdded.Count > 0 ? hub.Clients.Users(push.NewlyAdded).AlertRaised(push.Alert) : Task.CompletedTask,
            told.Count > 0 ? hub.Clients.Users(told).AlertUpdated(push.Alert) : Task.CompletedTask);
    }

    public Task PublishEvaluationDueAsync(IReadOnlyList<string> audience, EvaluationDto evaluation) =>
        hub.Clients.Users(audience).EvaluationDue(evaluation);

    public Task PublishRecipientsChangedAsync(IReadOnlyList<string> followers, RecipientsChangedDto delta) =>
        hub.Clients.Groups(followers.Select(FollowerPresence.DeltaGroup).ToList()).AlertRecipientsChanged(delta);
}
