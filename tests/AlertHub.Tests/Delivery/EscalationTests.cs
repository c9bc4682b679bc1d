using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AlertHub.Tests.Delivery;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class EscalationTests
{
    private static FakeTimeProvider OpenHours() => TestClock.Fake();

    [Fact]
    public async Task NoAcknowledgement_EscalatesEachMissingDisciplineOnce_ToBackupAndTeamLead()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var time = OpenHours();
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        var policeBackup = await host.ListenAsync("politie.reserve@demo.alerthub.test");
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.LoginAsync(TestHost.Police);

        var alert = await coordinator.RaiseAsync();
        await police.AcknowledgeAsync(alert.Id, AckResponse.OnMyWay);

        await time.AdvanceAsync(TimeSpan.FromMinutes(4.9), TimeSpan.FromSeconds(5));
        await Task.Delay(300);
        Assert.DoesNotContain(twilio.Messages, m => m.Body.Contains("ESCALATIE", StringComparison.Ordinal));

        await time.AdvanceAsync(TimeSpan.FromSeconds(10));
        var escalation = await Eventually.HoldsAsync(
            () => Task.FromResult(twilio.Messages.Where(m => m.Body.StartsWith("AlertHub ESCALATIE", StringComparison.Ordinal)).ToList()),
            list => list.Count >= 3, what: "escalation SMS");
        await time.AdvanceAsync(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30));
        await Task.Delay(300);

        var escalated = twilio.Messages.Where(m => m.Body.StartsWith("AlertHub ESCALATIE", StringComparison.Ordinal)).Select(m => m.To).Order().ToList();
        // Youth work and enforcement backups and the team lead; police answered, so its backup is not needed.
        Assert.Equal(["+31600000005", "+31600000006", "+31600000009"], escalated);

        var view = await coordinator.GetAlertAsync(alert.Id);
        Assert.Contains(view.Updates, u => u.Text.Contains("jongerenwerk, handhaving", StringComparison.Ordinal));
        Assert.DoesNotContain(view.Recipients, r => r.Name.StartsWith("Reserve politie", StringComparison.Ordinal));
        Assert.Contains(view.Recipients, r => r.Name.StartsWith("Regievoerder", StringComparison.Ordinal));
        Assert.Empty(policeBackup.Events);
    }

    [Fact]
    public async Task BackupReceivesPush_WhenTheirDisciplineIsMissing()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var time = OpenHours();
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        var policeBackup = await host.ListenAsync("politie.reserve@demo.alerthub.test");
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();

        await time.AdvanceAsync(TimeSpan.FromMinutes(5.2), TimeSpan.FromSeconds(5));
        var pushed = await policeBackup.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        Assert.Contains(pushed.Recipients, r => r.Name.StartsWith("Reserve politie", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllDisciplinesAcknowledged_NoEscalation()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var time = OpenHours();
        await using var host = await TestHost.StartAsync(time: time, settings: twilio.HubSettings());
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        foreach (var partner in new[] { TestHost.Police, TestHost.YouthWork, TestHost.Enforcement })
        {
            await (await host.LoginAsync(partner)).AcknowledgeAsync(alert.Id, AckResponse.OnScene);
        }

        await time.AdvanceAsync(TimeSpan.FromMinutes(8), TimeSpan.FromSeconds(10));
        await Task.Delay(500);
        Assert.DoesNotContain(twilio.Messages, m => m.Body.Contains("ESCALATIE", StringComparison.Ordinal));
        var view = await (await host.LoginAsync(TestHost.Coordinator)).GetAlertAsync(alert.Id);
        Assert.DoesNotContain(view.Updates, u => u.Text.StartsWith("Escalatie", StringComparison.Ordinal));
    }
}
