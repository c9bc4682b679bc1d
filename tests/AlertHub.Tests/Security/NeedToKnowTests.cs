using System.Net;
using AlertHub.Client;
using AlertHub.Privacy;
using AlertHub.Tests.People;
using AlertHub.Testing;

namespace AlertHub.Tests.Security;

/// <summary>
/// One visibility rule for reading one alert and listing them: coordinators and the team lead see their region's
/// alerts, a partner only those sent to them. What is refused is audited, with the region that was probed.
/// </summary>
public sealed class NeedToKnowTests
{
    private const string ReservePolice = "politie.reserve@demo.alerthub.test";

    [Fact]
    public async Task APartnerNotSentTheAlert_CannotReadIt_ByIdOrList_AndTheProbeIsAudited()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "groep bij de fietsenstalling"));
        Assert.DoesNotContain(alert.Recipients, r => r.Name.Contains("reserve", StringComparison.OrdinalIgnoreCase));

        // In the same region but not on duty: not a recipient, so the alert does not exist for them.
        var reserve = await host.LoginAsync(ReservePolice);
        Assert.DoesNotContain(await reserve.ListAlertsAsync(status: null), a => a.Id == alert.Id);
        using (var get = await reserve.Http.GetAsync($"/api/alerts/{alert.Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
        using (var answer = await reserve.Http.PostAsync($"/api/alerts/{alert.Id}/acknowledgements",
            new StringContent("""{"response":"on_my_way"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        }
        // Another region's partner probing by id: the same 404.
        var elsewhere = await host.LoginAsync(TestHost.HaaglandenPolice);
        var elsewhereId = (await elsewhere.GetMeAsync()).PersonId;
        using (var probe = await elsewhere.Http.GetAsync($"/api/alerts/{alert.Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, probe.StatusCode);
        }

        // Those it was sent to and the region's watchers read it as before.
        Assert.Equal(alert.Id, (await (await host.LoginAsync(TestHost.Police)).GetAlertAsync(alert.Id)).Id);
        Assert.Equal(alert.Id, (await (await host.LoginAsync(TestHost.TeamLead)).GetAlertAsync(alert.Id)).Id);
        Assert.Equal(alert.Id, (await (await host.LoginAsync(TestHost.Coordinator2)).GetAlertAsync(alert.Id)).Id);

        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var refusals = await (await admin.GetAsync($"/api/admin/audit?subjectId={alert.Id}&pageSize=50")).ReadAsync<AuditPage>();
        var refused = refusals.Items.Where(e => e.Action.EndsWith(".refused", StringComparison.Ordinal)).ToList();
        Assert.Equal(["alert.acknowledged.refused", "alert.viewed.refused", "alert.viewed.refused"], refused.Select(e => e.Action).Order());
        Assert.All(refused, e => Assert.Equal("zaanstreek", e.RegionId)); // the probed region's officer sees them
        Assert.Contains(refused, e => e.ActorId == elsewhereId);
        // The refused attempts stored nothing else: no answer from the reserve.
        Assert.DoesNotContain((await coordinator.GetAlertAsync(alert.Id)).Recipients, r => r.Name.Contains("reserve", StringComparison.OrdinalIgnoreCase));
    }
}
