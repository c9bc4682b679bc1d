using System.Net;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.People;
using AlertHub.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.People;

// Clock: depends on dates and hours; .ci/run runs it again with the test clock on other days.
[Trait("Category", "Clock")]
public sealed class AdminDirectoryTests
{
    private const string Password = "Nieuw-Wachtwoord-1";

    [Fact]
    public async Task Admin_BuildsANetwork_NewPeopleCanLogIn_AndTheNewCoordinatorsAlertReachesTheNewOnCallPartner()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;

        var region = await (await admin.PostJsonAsync("/api/admin/regions", new
        {
            id = "west-friesland", name = "West-Friesland", hotlineOpens = "08:00", hotlineCloses = "18:00", timeZone = "Europe/Amsterdam",
        })).ReadAsync<RegionDto>(HttpStatusCode.Created);
        Assert.Equal(new RegionDto("west-friesland", "West-Friesland", "08:00", "18:00", "Europe/Amsterdam"), region);

        await (await admin.PostJsonAsync("/api/admin/organisations", new
        {
            id = "politie-west-friesland", name = "Politie West-Friesland", regionId = "west-friesland",
        })).ReadAsync<OrganisationDto>(HttpStatusCode.Created);
        await (await admin.PostJsonAsync("/api/admin/schools", new
        {
            id = "test-college-hoorn", name = "Test College Hoorn", regionId = "west-friesland",
        })).ReadAsync<SchoolDto>(HttpStatusCode.Created);

        var partner = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Wijkagent De Boer (test)", email = "Politie@WestFriesland.test", role = "partner", discipline = "police",
            phone = "+31 6 1111 2222", organisationId = "politie-west-friesland", regionId = "west-friesland", password = Password,
        })).ReadAsync<PersonDto>(HttpStatusCode.Created);
        Assert.Equal("politie@westfriesland.test", partner.Email);
        Assert.Equal("+31611112222", partner.Phone);
        Assert.True(partner.HasAccount);
        Assert.True(partner.Active);

        var coordinator = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Coördinator Hoorn (test)", email = "coordinator@westfriesland.test", role = "coordinator", discipline = "school",
            phone = "+31611113333", regionId = "west-friesland", schoolId = "test-college-hoorn", password = Password,
        })).ReadAsync<PersonDto>(HttpStatusCode.Created);

        var now = host.Now;
        var entry = await (await admin.PostJsonAsync("/api/admin/roster", new
        {
            regionId = "west-friesland", personId = partner.Id, from = now.AddHours(-1), until = now.AddDays(1),
        })).ReadAsync<RosterEntryDto>(HttpStatusCode.Created);
        Assert.Equal(partner.Id, entry.PersonId);
        Assert.False(entry.IsBackup);

        var partnerClient = await host.LoginAsync("politie@westfriesland.test", Password);
        Assert.NotNull(partnerClient.AccessToken);

        var coordinatorClient = await host.LoginAsync("coordinator@westfriesland.test", Password);
        var alert = await coordinatorClient.RaiseAsync();
        Assert.Equal("test-college-hoorn", alert.SchoolId);
        Assert.Equal("west-friesland", alert.RegionId);
        var reached = Assert.Single(alert.Recipients);
        Assert.Equal(partner.Id, reached.PersonId);
        Assert.Equal("Politie West-Friesland", reached.Organisation);
        Assert.DoesNotContain(alert.Recipients, r => r.PersonId == coordinator.Id);

        var listed = await (await admin.GetAsync("/api/admin/people?regionId=west-friesland")).ReadAsync<List<PersonDto>>();
        Assert.Equal(new[] { coordinator.Id, partner.Id }.Order(), listed.Select(p => p.Id).Order());
        var roster = await (await admin.GetAsync("/api/admin/roster?regionId=west-friesland")).ReadAsync<List<RosterEntryDto>>();
        Assert.Equal(entry.Id, Assert.Single(roster).Id);
    }

    [Fact]
    public async Task AdminEndpoints_RefuseOtherRoles403_AndAnonymous401()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = (await host.LoginAsync(TestHost.Coordinator)).Http;
        var teamLead = (await host.LoginAsync(TestHost.TeamLead)).Http;
        var anonymous = host.CreateHttp();

        foreach (var http in new[] { coordinator, teamLead })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/api/admin/people")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostJsonAsync("/api/admin/regions", new { id = "x", name = "X" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostCsvAsync("regions", "id,name\nx,X\n")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/regions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostCsvAsync("regions", "id,name\nx,X\n")).StatusCode);
        Assert.Equal(2, await host.WithDbAsync(db => db.Regions.CountAsync()));
    }

    [Fact]
    public async Task CreatePerson_InvalidPhone_UnknownRegion_CoordinatorWithoutSchool_Answer400NamingTheField()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var before = await host.WithDbAsync(db => db.People.CountAsync());

        var phone = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Piet", role = "partner", phone = "0612345678", regionId = "zaanstreek",
        })).ValidationErrorsAsync();
        Assert.Equal(["phone"], phone.Keys);
        Assert.StartsWith("Ongeldig telefoonnummer: '0612345678'", phone["phone"].Single());

        var region = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Piet", role = "partner", phone = "+31612345678", regionId = "atlantis",
        })).ValidationErrorsAsync();
        Assert.Equal(["regionId"], region.Keys);
        Assert.Contains("atlantis", region["regionId"].Single());

        var school = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Piet", role = "coordinator", phone = "+31612345678", regionId = "zaanstreek",
        })).ValidationErrorsAsync();
        Assert.Equal(["schoolId"], school.Keys);

        var otherRegionsSchool = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Piet", role = "coordinator", phone = "+31612345678", regionId = "zaanstreek", schoolId = "demo-school-den-haag",
        })).ValidationErrorsAsync();
        Assert.Equal(["schoolId"], otherRegionsSchool.Keys);

        var role = await (await admin.PostJsonAsync("/api/admin/people", new { name = "Piet", role = "boss" })).ValidationErrorsAsync();
        Assert.Equal(["role"], role.Keys);

        var password = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Piet", email = "piet@test.nl", role = "partner", phone = "+31612345678", regionId = "zaanstreek", password = "kort",
        })).ValidationErrorsAsync();
        Assert.Equal(["password"], password.Keys);
        Assert.Contains(password["password"], m => m.Contains("minstens 10 tekens"));

        Assert.Equal(before, await host.WithDbAsync(db => db.People.CountAsync()));
    }

    [Fact]
    public async Task CreateRegion_BadHotlineHoursOrTimeZone_Answer400_AndDuplicateId409()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;

        var errors = await (await admin.PostJsonAsync("/api/admin/regions", new
        {
            id = "Noord Holland", name = "", hotlineOpens = "7 uur", hotlineCloses = "19:00", timeZone = "Mars/Olympus_Mons",
        })).ValidationErrorsAsync();
        Assert.Equal(["hotlineOpens", "id", "name", "timeZone"], errors.Keys.Order());

        var halfHours = await (await admin.PostJsonAsync("/api/admin/regions", new
        {
            id = "noord-holland", name = "Noord-Holland", hotlineOpens = "08:00",
        })).ValidationErrorsAsync();
        Assert.Equal(["hotlineCloses"], halfHours.Keys);

        var duplicate = await admin.PostJsonAsync("/api/admin/regions", new { id = "zaanstreek", name = "Nog een Zaanstreek" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains("zaanstreek", (await duplicate.ProblemAsync()).GetProperty("detail").GetString());

        var updated = await (await admin.PutJsonAsync("/api/admin/regions/zaanstreek", new
        {
            name = "Zaanstreek-Waterland", hotlineOpens = "22:00", hotlineCloses = "06:00", timeZone = "Europe/Amsterdam",
        })).ReadAsync<RegionDto>();
        Assert.Equal("Zaanstreek-Waterland", updated.Name);
        Assert.Equal("22:00", updated.HotlineOpens);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutJsonAsync("/api/admin/regions/atlantis", new { name = "A" })).StatusCode);
    }

    [Fact]
    public async Task UpdatePerson_KeepsTheSignInAccountInStep_RoleAndEmail()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var partner = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Jongerenwerker (test)", email = "jw@test.nl", role = "partner", discipline = "youth_work",
            phone = "+31622223333", regionId = "zaanstreek", organisationId = "jongerenwerk-zaanstad", password = Password,
        })).ReadAsync<PersonDto>(HttpStatusCode.Created);

        var updated = await (await admin.PutJsonAsync($"/api/admin/people/{partner.Id}", new
        {
            name = "Regievoerder (test)", email = "regie@test.nl", role = "team_lead", discipline = "municipality",
            phone = "+31622223333", regionId = "zaanstreek", organisationId = "gemeente-zaanstad",
        })).ReadAsync<PersonDto>();
        Assert.Equal(PersonRole.TeamLead, updated.Role);
        Assert.True(updated.Active);

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = await users.FindByIdAsync(partner.Id.ToString());
            Assert.Equal("regie@test.nl", user!.UserName);
            Assert.Equal(["TeamLead"], await users.GetRolesAsync(user));
        }
        await Assert.ThrowsAsync<AlertHubException>(() => host.LoginAsync("jw@test.nl", Password));
        var me = await (await (await host.LoginAsync("regie@test.nl", Password)).Http.GetAsync("/api/me")).ReadAsync<MeDto>();
        Assert.Equal(PersonRole.TeamLead, me.Role);

        var noEmail = await (await admin.PutJsonAsync($"/api/admin/people/{partner.Id}", new
        {
            name = "Regievoerder (test)", role = "team_lead", phone = "+31622223333", regionId = "zaanstreek",
        })).ValidationErrorsAsync();
        Assert.Equal(["email"], noEmail.Keys);

        var taken = await admin.PutJsonAsync($"/api/admin/people/{partner.Id}", new
        {
            name = "Regievoerder (test)", email = TestHost.Police, role = "team_lead", phone = "+31622223333", regionId = "zaanstreek",
        });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);

        var inactive = await (await admin.PutJsonAsync($"/api/admin/people/{partner.Id}", new
        {
            name = "Regievoerder (test)", email = "regie@test.nl", role = "team_lead", phone = "+31622223333", regionId = "zaanstreek",
            active = false,
        })).ReadAsync<PersonDto>();
        Assert.False(inactive.Active);
        await Assert.ThrowsAsync<AlertHubException>(() => host.LoginAsync("regie@test.nl", Password));
    }

    [Fact]
    public async Task UpdatePerson_TheLastActiveAdminCannotBeDemoted()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.LoginAsync(TestHost.Admin);
        var me = await (await admin.Http.GetAsync("/api/me")).ReadAsync<MeDto>();

        var demote = await admin.Http.PutJsonAsync($"/api/admin/people/{me.PersonId}", new
        {
            name = "Beheer", email = TestHost.Admin, role = "partner", phone = "+31612345678", regionId = "zaanstreek",
        });
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
    }

    [Fact]
    public async Task SchoolContacts_MustBeOfTheSchoolsRegion_AndAreAlertedForThatSchool()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var people = await (await admin.GetAsync("/api/admin/people")).ReadAsync<List<PersonDto>>();
        var haaglandenPolice = people.Single(p => p.Email == TestHost.HaaglandenPolice);
        var zaanPoliceBackup = people.Single(p => p.Email == "politie.reserve@demo.alerthub.test");

        var wrongRegion = await (await admin.PostJsonAsync("/api/admin/schools", new
        {
            id = "nieuwe-school", name = "Nieuwe School", regionId = "zaanstreek", contactIds = new[] { haaglandenPolice.Id },
        })).ValidationErrorsAsync();
        Assert.Equal(["contactIds"], wrongRegion.Keys);

        // Renaming without contacts keeps the ambassador; replacing them is explicit.
        var renamed = await (await admin.PutJsonAsync("/api/admin/schools/demo-college-zaandam", new
        {
            name = "Demo College Zaandam-Oost", regionId = "zaanstreek",
        })).ReadAsync<SchoolDto>();
        Assert.Single(renamed.ContactIds);
        var replaced = await (await admin.PutJsonAsync("/api/admin/schools/demo-college-zaandam", new
        {
            name = "Demo College Zaandam-Oost", regionId = "zaanstreek", contactEmails = new[] { "politie.reserve@demo.alerthub.test" },
        })).ReadAsync<SchoolDto>();
        Assert.Equal([zaanPoliceBackup.Id], replaced.ContactIds);

        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        Assert.Equal("Demo College Zaandam-Oost", alert.SchoolName);
        Assert.Contains(alert.Recipients, r => r.PersonId == zaanPoliceBackup.Id);
        Assert.DoesNotContain(alert.Recipients, r => r.Name.StartsWith("Jeugdambassadeur", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Roster_PersonMustBeInTheRegion_UntilAfterFrom_AndEntriesCanBeMovedAndDeleted()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var from = new DateTimeOffset(2027, 1, 4, 7, 0, 0, TimeSpan.FromHours(1));

        var outsider = await (await admin.PostJsonAsync("/api/admin/roster", new
        {
            regionId = "zaanstreek", personEmail = TestHost.HaaglandenPolice, from, until = from.AddDays(7),
        })).ValidationErrorsAsync();
        Assert.Equal(["personEmail"], outsider.Keys);

        var backwards = await (await admin.PostJsonAsync("/api/admin/roster", new
        {
            regionId = "zaanstreek", personEmail = TestHost.Police, from, until = from.AddDays(-1),
        })).ValidationErrorsAsync();
        Assert.Equal(["until"], backwards.Keys);

        var noOffset = await (await admin.PostJsonAsync("/api/admin/roster", new
        {
            regionId = "zaanstreek", personEmail = TestHost.Police, from = "2027-01-04T07:00:00", until = "2027-01-11T07:00:00Z",
        })).ValidationErrorsAsync();
        Assert.Equal(["from"], noOffset.Keys);

        var entry = await (await admin.PostJsonAsync("/api/admin/roster", new
        {
            regionId = "zaanstreek", personEmail = TestHost.Police, from = "2027-01-04T07:00:00+01:00", until = from.AddDays(7), isBackup = true,
        })).ReadAsync<RosterEntryDto>(HttpStatusCode.Created);
        Assert.Equal(from, entry.From);
        Assert.Equal(TimeSpan.Zero, entry.From.Offset);
        Assert.True(entry.IsBackup);

        var moved = await (await admin.PutJsonAsync($"/api/admin/roster/{entry.Id}", new
        {
            regionId = "zaanstreek", personId = entry.PersonId, from = from.AddDays(7), until = from.AddDays(14),
        })).ReadAsync<RosterEntryDto>();
        Assert.Equal(from.AddDays(7), moved.From);
        Assert.False(moved.IsBackup);
        var covering = await (await admin.GetAsync($"/api/admin/roster?personId={entry.PersonId}&at=2027-01-12T12:00:00Z"))
            .ReadAsync<List<RosterEntryDto>>();
        Assert.Contains(covering, e => e.Id == entry.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/roster/{entry.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/admin/roster/{entry.Id}")).StatusCode);
    }

    [Fact]
    public async Task MovingAPersonToAnotherRegion_WhileStillOnTheOldRoster_Is409()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var police = (await (await admin.GetAsync("/api/admin/people?role=partner&regionId=zaanstreek")).ReadAsync<List<PersonDto>>())
            .Single(p => p.Email == TestHost.Police);

        var move = await admin.PutJsonAsync($"/api/admin/people/{police.Id}", new
        {
            name = police.Name, email = police.Email, role = "partner", discipline = "police", phone = police.Phone, regionId = "haaglanden",
        });
        Assert.Equal(HttpStatusCode.Conflict, move.StatusCode);
        Assert.Contains("rooster", (await move.ProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Organisations_ListFilterAndUpdate()
    {
        await using var host = await TestHost.StartAsync();
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;

        var haaglanden = await (await admin.GetAsync("/api/admin/organisations?regionId=haaglanden")).ReadAsync<List<OrganisationDto>>();
        Assert.All(haaglanden, o => Assert.Equal("haaglanden", o.RegionId));
        Assert.Equal(2, haaglanden.Count);

        var national = await (await admin.PutJsonAsync("/api/admin/organisations/politie-haaglanden", new
        {
            name = "Politie Eenheid Den Haag",
        })).ReadAsync<OrganisationDto>();
        Assert.Null(national.RegionId);

        // A person of Haaglanden works for it, so it cannot become Zaanstreek-only.
        var narrowed = await admin.PutJsonAsync("/api/admin/organisations/politie-haaglanden", new
        {
            name = "Politie Eenheid Den Haag", regionId = "zaanstreek",
        });
        Assert.Equal(HttpStatusCode.Conflict, narrowed.StatusCode);
    }
}
