using Microsoft.AspNetCore.SignalR.Client;
using System.Net;
using AlertHub.Client;
using AlertHub.Testing;

namespace AlertHub.Tests.Alerts;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class RaiseAlertTests
{
    [Fact]
    public async Task OneTap_ReachesOnCallPartnersAndFixedContacts_ButNotOtherRegion()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.ListenAsync(TestHost.Police);
        var youthWork = await host.ListenAsync(TestHost.YouthWork);
        var enforcement = await host.ListenAsync(TestHost.Enforcement);
        var ambassador = await host.ListenAsync(TestHost.Ambassador);
        var haaglanden = await host.ListenAsync(TestHost.HaaglandenPolice);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        var alert = await coordinator.RaiseAsync();

        foreach (var partner in new[] { police, youthWork, enforcement, ambassador })
        {
            var received = await partner.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
            Assert.Equal("demo-college-zaandam", received.SchoolId);
            Assert.Equal(AlertKind.Threat, received.Kind);
            Assert.Equal(alert.Sequence, received.Sequence);
            Assert.NotEmpty(received.Recipients);
        }
        Assert.Contains(alert.Recipients, r => r.Discipline == Discipline.Police);
        Assert.Contains(alert.Recipients, r => r.Discipline == Discipline.YouthWork);
        Assert.Contains(alert.Recipients, r => r.Discipline == Discipline.Enforcement);
        Assert.All(alert.Recipients.Where(r => r.Discipline is Discipline.Police or Discipline.YouthWork or Discipline.Enforcement),
            r => Assert.Equal(DeliveryState.Pending, r.Delivery)); // "pushed" is never claimed: only a device's receipt says it arrived

        await Task.Delay(300);
        Assert.Empty(haaglanden.Events);
        var outsider = await Assert.ThrowsAsync<AlertHubException>(() => haaglanden.Client.GetAlertAsync(alert.Id));
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        Assert.Empty(await haaglanden.Client.ListAlertsAsync(status: null));
    }

    [Fact]
    public async Task Raise_TwiceWithSameKey_CreatesOneAlert_AlsoConcurrently()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        var first = await coordinator.RaiseAsync(idempotencyKey: "tap-1");
        var again = await coordinator.RaiseAsync(idempotencyKey: "tap-1");
        Assert.Equal(first.Id, again.Id);

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => coordinator.RaiseAsync(idempotencyKey: "tap-2")));
        Assert.Single(concurrent.Select(a => a.Id).Distinct());

        var all = await coordinator.ListAlertsAsync(status: null);
        Assert.Equal(2, all.Count);
    }

    [Fact]
    public async Task Acknowledge_ReachesCoordinator_AndReceiptMovesDeliveryToReceived()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.ListenAsync(TestHost.Coordinator);
        var police = await host.ListenAsync(TestHost.Police);
        var youthWork = await host.ListenAsync(TestHost.YouthWork);
        youthWork.ConfirmReceipts = true;

        var alert = await coordinator.Client.RaiseAsync();
        var policeId = alert.Recipients.Single(r => r.Discipline == Discipline.Police).PersonId;
        var youthWorkId = alert.Recipients.Single(r => r.Discipline == Discipline.YouthWork).PersonId;

        await coordinator.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id
            && a.Recipients.Single(r => r.PersonId == youthWorkId).Delivery == DeliveryState.Received);

        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        var before = host.Now.AddSeconds(-1);
        var acked = await police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, alert.Id, AckResponse.OnMyWay);
        Assert.Equal(AckResponse.OnMyWay, acked.Recipients.Single(r => r.PersonId == policeId).Response);

        var seen = await coordinator.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id
            && a.Recipients.Single(r => r.PersonId == policeId).Response == AckResponse.OnMyWay);
        var row = seen.Recipients.Single(r => r.PersonId == policeId);
        Assert.NotNull(row.RespondedAt);
        Assert.True(row.RespondedAt >= before);
        Assert.Equal(DeliveryState.Received, row.Delivery);

        // The same through HTTP.
        var enforcement = await host.LoginAsync(TestHost.Enforcement);
        var viaHttp = await enforcement.AcknowledgeAsync(alert.Id, AckResponse.Unable);
        Assert.Equal(AckResponse.Unable, viaHttp.Recipients.Single(r => r.Discipline == Discipline.Enforcement).Response);
        await coordinator.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id
            && a.Recipients.Any(r => r.Discipline == Discipline.Enforcement && r.Response == AckResponse.Unable));
    }

    [Fact]
    public async Task Disconnected_Client_CatchesUp_InOrder_WithGetAlertsSince()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.ListenAsync(TestHost.Police);

        var first = await coordinator.RaiseAsync();
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == first.Id);
        await police.Connection.StopAsync();

        var second = await coordinator.RaiseAsync(idempotencyKey: "b");
        var third = await coordinator.RaiseAsync(idempotencyKey: "c");

        await police.Connection.StartAsync();
        var missed = await police.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, first.Sequence);
        Assert.Equal([second.Id, third.Id], missed.Select(a => a.Id));
        Assert.True(missed[0].Sequence < missed[1].Sequence);
    }

    [Fact]
    public async Task UpdatesResolveAndCancel_ArePushedToEveryoneInvolved()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.ListenAsync(TestHost.Police);
        var teamLead = await host.ListenAsync(TestHost.TeamLead);

        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Kind: AlertKind.GroupMoving, Note: "Groep richting station"));
        await teamLead.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);

        await police.Client.PostUpdateAsync(alert.Id, "Twee collega's onderweg");
        await coordinator.ResolveAsync(alert.Id, "Confrontatie voorkomen");
        var resolved = await police.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id && a.Status == AlertStatus.Resolved);
        Assert.Equal("Confrontatie voorkomen", resolved.Outcome);
        Assert.Contains(resolved.Updates, u => u.Text == "Twee collega's onderweg");
        await teamLead.WaitForAsync(HubNames.AlertUpdated, a => a.Id == alert.Id && a.Status == AlertStatus.Resolved);

        var conflict = await Assert.ThrowsAsync<AlertHubException>(() => police.Client.AcknowledgeAsync(alert.Id, AckResponse.Seen));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var falseAlarm = await coordinator.RaiseAsync(idempotencyKey: "oops");
        await coordinator.CancelAsync(falseAlarm.Id);
        await police.WaitForAsync(HubNames.AlertUpdated, a => a.Id == falseAlarm.Id && a.Status == AlertStatus.Cancelled);
    }
}
