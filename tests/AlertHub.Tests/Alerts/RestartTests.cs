using AlertHub.Client;
using AlertHub.Testing;

namespace AlertHub.Tests.Alerts;

public sealed class RestartTests
{
    [Fact]
    public async Task Restart_OnSameDatabase_KeepsAlertsDeliveriesAndSequence()
    {
        var directory = Directory.CreateTempSubdirectory("alerthub-restart-").FullName;
        try
        {
            AlertDto first;
            await using (var host = await TestHost.StartAsync(directory))
            {
                var police = await host.ListenAsync(TestHost.Police);
                police.ConfirmReceipts = true;
                var coordinator = await host.LoginAsync(TestHost.Coordinator);
                first = await coordinator.RaiseAsync(idempotencyKey: "before-restart");
                await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == first.Id);
                await police.Client.AcknowledgeAsync(first.Id, AckResponse.OnScene);
            }

            await using (var host = await TestHost.StartAsync(directory))
            {
                var coordinator = await host.LoginAsync(TestHost.Coordinator);
                var reloaded = await coordinator.GetAlertAsync(first.Id);
                var police = reloaded.Recipients.Single(r => r.Discipline == Discipline.Police);
                Assert.Equal(DeliveryState.Received, police.Delivery);
                Assert.Equal(AckResponse.OnScene, police.Response);

                var same = await coordinator.RaiseAsync(idempotencyKey: "before-restart");
                Assert.Equal(first.Id, same.Id);
                var next = await coordinator.RaiseAsync(idempotencyKey: "after-restart");
                Assert.True(next.Sequence > first.Sequence);
                Assert.Equal(2, (await coordinator.ListAlertsAsync(status: null)).Count);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
