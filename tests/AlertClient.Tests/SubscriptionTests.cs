using System.Collections.Concurrent;
using AlertHub.Client;
using AlertClient.Tests.Support;

using AlertHub.Testing;

namespace AlertClient.Tests;

public sealed class SubscriptionTests
{
    [Fact]
    public async Task Subscription_AfterServerRestart_ResumesAndDeliversAlertsRaisedMeanwhile_EachOnce()
    {
        var directory = Directory.CreateTempSubdirectory("alertclient-restart-").FullName;
        var port = FreePort.Next();
        var raised = new ConcurrentQueue<AlertDto>();
        var states = new ConcurrentQueue<SubscriptionState>();
        try
        {
            AlertDto before;
            AlertSubscription subscription;
            AlertHubClient police;
            await using (var host = await TestHost.StartAsync(directory, port: port))
            {
                police = await host.LoginAsync(TestHost.Police);
                subscription = police.Subscribe(options: new AlertSubscriptionOptions
                {
                    InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
                    MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
                });
                subscription.AlertRaised += alert => { raised.Enqueue(alert); return Task.CompletedTask; };
                subscription.StatusChanged += status => states.Enqueue(status.State);
                await subscription.StartAsync();

                var coordinator = await host.LoginAsync(TestHost.Coordinator);
                before = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "voor de herstart"));
                await Eventually.TrueAsync(() => raised.Any(a => a.Id == before.Id), "the first alert pushed live");
            }
            await Eventually.TrueAsync(() => states.Contains(SubscriptionState.Reconnecting), "the subscription noticing the server is gone");

            // Alerts raised while the subscriber cannot connect: on the same database, through a node on another port.
            List<AlertDto> meanwhile;
            await using (var other = await TestHost.StartAsync(directory, port: FreePort.Next()))
            {
                var coordinator = await other.LoginAsync(TestHost.Coordinator);
                meanwhile = [await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "tijdens de storing 1")),
                    await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "tijdens de storing 2"))];
            }

            await using (var restarted = await TestHost.StartAsync(directory, port: port))
            {
                await subscription.WaitUntilConnectedAsync().WaitAsync(TimeSpan.FromSeconds(20));
                var coordinator = await restarted.LoginAsync(TestHost.Coordinator);
                var after = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "na de herstart"));
                await Eventually.TrueAsync(() => raised.Any(a => a.Id == after.Id), "the alert raised after the restart");

                // Each exactly once; under load a live push may overtake the catch-up, so order is not asserted.
                Assert.Equal(new[] { before.Id, meanwhile[0].Id, meanwhile[1].Id, after.Id }.Order(), raised.Select(a => a.Id).Order());
                // Catch-up also confirms receipt, so the partner is not sent an SMS for alerts it did get.
                await Eventually.TrueAsync(async () =>
                {
                    var seen = await coordinator.GetAlertAsync(meanwhile[1].Id);
                    return seen.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Received;
                }, "the police receipt for an alert delivered by catch-up");
                await subscription.DisposeAsync();
            }
            Assert.Equal(4, raised.Count);
        }
        finally
        {
            TestHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Subscription_AlertCancelledWhileAway_ArrivesAsAnUpdateAfterReconnecting()
    {
        var directory = Directory.CreateTempSubdirectory("alertclient-cancel-").FullName;
        var port = FreePort.Next();
        var updated = new ConcurrentQueue<AlertDto>();
        try
        {
            AlertDto alert;
            AlertSubscription subscription;
            await using (var host = await TestHost.StartAsync(directory, port: port))
            {
                var police = await host.LoginAsync(TestHost.Police);
                subscription = police.Subscribe(options: new AlertSubscriptionOptions
                {
                    InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
                    MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
                });
                var raised = new ConcurrentQueue<AlertDto>();
                subscription.AlertRaised += a => { raised.Enqueue(a); return Task.CompletedTask; };
                subscription.AlertUpdated += a => { updated.Enqueue(a); return Task.CompletedTask; };
                await subscription.StartAsync();
                alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
                await Eventually.TrueAsync(() => raised.Any(a => a.Id == alert.Id), "the alert pushed live");
            }

            // Cancelled through another node while this subscriber is cut off: no push can reach it.
            await using (var other = await TestHost.StartAsync(directory, port: FreePort.Next()))
            {
                await (await other.LoginAsync(TestHost.Coordinator)).CancelAsync(alert.Id);
            }

            await using (var restarted = await TestHost.StartAsync(directory, port: port))
            {
                await Eventually.TrueAsync(() => updated.Any(a => a.Id == alert.Id && a.Status == AlertStatus.Cancelled),
                    "the cancellation after reconnecting");
                await subscription.DisposeAsync();
            }
        }
        finally
        {
            TestHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Subscription_UpdatesOfAKnownAlert_ArriveAsUpdatesNotAsNewAlerts()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.LoginAsync(TestHost.Police);
        var raised = new ConcurrentQueue<AlertDto>();
        var updated = new ConcurrentQueue<AlertDto>();
        await using var subscription = police.Subscribe();
        subscription.AlertRaised += a => { raised.Enqueue(a); return Task.CompletedTask; };
        subscription.AlertUpdated += a => { updated.Enqueue(a); return Task.CompletedTask; };
        await subscription.StartAsync();

        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        await Eventually.TrueAsync(() => !raised.IsEmpty, "the alert");
        await coordinator.PostUpdateAsync(alert.Id, "Politie is onderweg");
        await Eventually.TrueAsync(() => updated.Any(a => a.Updates.Count == 1), "the update");

        Assert.Single(raised);
        Assert.All(updated, a => Assert.Equal(alert.Id, a.Id));
    }
}
