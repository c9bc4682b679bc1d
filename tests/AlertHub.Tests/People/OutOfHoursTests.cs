using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.People;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.People;

/// <summary>
/// Issue 17: a region's hotline days and out-of-hours contact are set by the admin (API and import), validated when
/// written, used by the routing, and shown to the coordinator next to "Bel 112".
/// </summary>
// Clock: depends on the day of the week and the hour; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class OutOfHoursTests
{
    [Fact]
    public async Task Admin_SetsHotlineDaysAndTheOutOfHoursContact_TheRoutingAndTheCoordinatorUseThem()
    {
        // 10:00 on the test day, but the hotline is set to be closed on this weekday.
        await using var host = await TestHost.StartAsync(time: TestClock.Fake());
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var today = TestClock.Local(TestClock.Start).DayOfWeek;
        var otherDays = string.Join(",", Enum.GetValues<DayOfWeek>().Where(d => d != today).Select(d => d.ToString()[..3]));

        var region = await (await admin.PutJsonAsync("/api/admin/regions/zaanstreek", new
        {
            name = "Zaanstreek", hotlineOpens = "07:00", hotlineCloses = "19:00", timeZone = "Europe/Amsterdam",
            hotlineDays = otherDays, outOfHoursEmail = TestHost.TeamLead,
        })).ReadAsync<RegionDto>();
        var teamLeadId = await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.TeamLead).Select(p => p.Id).SingleAsync());
        Assert.Equal(otherDays, region.HotlineDays);
        Assert.Equal(teamLeadId, region.OutOfHoursPersonId);

        // Before the tap: closed today, and who gets the alert instead, with the number to call.
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var hotline = await coordinator.Http.GetFromJsonAsync<JsonElement>("/api/hotline");
        Assert.False(hotline.GetProperty("open").GetBoolean());
        Assert.Equal("Regievoerder Hendriks (demo)", hotline.GetProperty("outOfHours").GetProperty("name").GetString());
        Assert.Equal("+31600000009", hotline.GetProperty("outOfHours").GetProperty("phone").GetString());
        // A partner is not shown the contact's number.
        var partnerView = await (await host.LoginAsync(TestHost.Police)).Http.GetFromJsonAsync<JsonElement>("/api/hotline");
        Assert.Equal(JsonValueKind.Null, partnerView.GetProperty("outOfHours").ValueKind);

        // The tap: closed, and the out-of-hours contact is among the recipients.
        var alert = await coordinator.RaiseAsync();
        Assert.False(alert.HotlineOpen);
        Assert.Contains(alert.Recipients, r => r.PersonId == teamLeadId);

        // Cleared again: nobody out of hours, every day open.
        var cleared = await (await admin.PutJsonAsync("/api/admin/regions/zaanstreek", new
        {
            name = "Zaanstreek", hotlineOpens = "07:00", hotlineCloses = "19:00", timeZone = "Europe/Amsterdam",
        })).ReadAsync<RegionDto>();
        Assert.Null(cleared.OutOfHoursPersonId);
        Assert.True((await coordinator.Http.GetFromJsonAsync<JsonElement>("/api/hotline")).GetProperty("open").GetBoolean());
    }

    [Fact]
    public async Task WrongDays_AnotherRegionsPerson_AnInactiveOne_OrAnUnknownOne_AreRefusedInDutch()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        object Body(object extra) => new Dictionary<string, object?>
        {
            ["name"] = "Zaanstreek", ["hotlineOpens"] = "07:00", ["hotlineCloses"] = "19:00",
        }.Concat(JsonSerializer.SerializeToElement(extra).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value)).ToDictionary();

        var days = await (await admin.PutJsonAsync("/api/admin/regions/zaanstreek", Body(new { hotlineDays = "maandag,dinsdag" }))).ValidationErrorsAsync();
        Assert.StartsWith("Onbekende dagen 'maandag,dinsdag'", days["hotlineDays"].Single());

        var elsewhere = await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.HaaglandenPolice).Select(p => p.Id).SingleAsync());
        var other = await (await admin.PutJsonAsync("/api/admin/regions/zaanstreek", Body(new { outOfHoursPersonId = elsewhere }))).ValidationErrorsAsync();
        Assert.Contains("hoort niet bij regio 'zaanstreek'", other["outOfHoursPersonId"].Single());

        var unknown = await (await admin.PutJsonAsync("/api/admin/regions/zaanstreek", Body(new { outOfHoursEmail = "niemand@demo.alerthub.test" }))).ValidationErrorsAsync();
        Assert.StartsWith("Onbekend contact buiten openingstijden", unknown["outOfHoursEmail"].Single());

        await host.WithDbAsync(async db =>
        {
            (await db.People.SingleAsync(p => p.Email == TestHost.Enforcement)).Active = false;
            return await db.SaveChangesAsync();
        });
        var inactive = await (await admin.PutJsonAsync("/api/admin/regions/zaanstreek", Body(new { outOfHoursEmail = TestHost.Enforcement }))).ValidationErrorsAsync();
        Assert.EndsWith("is niet actief.", inactive["outOfHoursEmail"].Single());
        Assert.Null(await host.WithDbAsync(db => db.Regions.Where(r => r.Id == "zaanstreek").Select(r => r.OutOfHoursPersonId).SingleAsync()));
    }

    [Fact]
    public async Task Import_LinksTheOutOfHoursContactOfTheSameImport()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        using var response = await admin.PostJsonAsync("/api/admin/import", new
        {
            regions = new object[] { new { id = "gooi", name = "Gooi", hotlineDays = "Mon,Tue,Wed,Thu,Fri", outOfHoursEmail = "piket@gooi.test" } },
            people = new object[] { new { name = "Piket Gooi", email = "piket@gooi.test", role = "partner", discipline = "police", phone = "+31650000077", regionId = "gooi" } },
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var stored = await host.WithDbAsync(db => db.Regions.Where(r => r.Id == "gooi").Select(r => new { r.HotlineDays, r.OutOfHoursPersonId }).SingleAsync());
        var piket = await host.WithDbAsync(db => db.People.Where(p => p.Email == "piket@gooi.test").Select(p => p.Id).SingleAsync());
        Assert.Equal("Mon,Tue,Wed,Thu,Fri", stored.HotlineDays);
        Assert.Equal(piket, stored.OutOfHoursPersonId);

        // The CSV template names the new columns.
        var template = await admin.GetStringAsync("/api/admin/import/template?kind=regions");
        Assert.Contains("hotlineDays,outOfHoursEmail", template);
    }
}
