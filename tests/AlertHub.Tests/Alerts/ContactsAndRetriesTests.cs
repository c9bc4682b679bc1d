using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AlertHub.Testing;

namespace AlertHub.Tests.Alerts;

/// <summary>
/// Issue 14: a partner on the way gets the school's address and the numbers to call (need-to-know: the recipients of
/// an open alert and the region's coordinators and team lead); the coordinator's app keeps its school's contacts for
/// a tap that does not get through; an action sent again after a lost answer is applied once.
/// </summary>
public sealed class ContactsAndRetriesTests
{
    private static readonly Dictionary<string, string?> QuietTimers = TestHost.QuietTimers();

    [Fact]
    public async Task AlertContacts_ForRecipientsWhileOpen_AndTheRegionsWatchers_NobodyElse()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var alertId = await RaiseAsync(coordinator);
        using var police = await host.ApiAsync(TestHost.Police);

        var contacts = await police.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}/contacts");
        Assert.Equal("Demo College Zaandam", contacts.GetProperty("schoolName").GetString());
        Assert.Equal("Stationsplein 1, 1506 DA Zaandam", contacts.GetProperty("address").GetString());
        Assert.Equal("https://www.openstreetmap.org/search?query=Stationsplein%201%2C%201506%20DA%20Zaandam", contacts.GetProperty("mapUrl").GetString());
        Assert.Equal("+31750000100", contacts.GetProperty("schoolPhone").GetString());
        Assert.Equal("Sanne de Vries (demo)", contacts.GetProperty("coordinator").GetProperty("name").GetString());
        Assert.Equal("+31600000010", contacts.GetProperty("coordinator").GetProperty("phone").GetString());

        using (var teamLead = await host.ApiAsync(TestHost.TeamLead))
        {
            Assert.Equal(HttpStatusCode.OK, (await teamLead.GetAsync($"/api/alerts/{alertId}/contacts")).StatusCode);
        }
        // Not a recipient (a backup not escalated to), another region: as if there were no such alert.
        using (var backup = await host.ApiAsync("politie.reserve@demo.alerthub.test"))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await backup.GetAsync($"/api/alerts/{alertId}/contacts")).StatusCode);
        }
        using (var elsewhere = await host.ApiAsync(TestHost.HaaglandenPolice))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await elsewhere.GetAsync($"/api/alerts/{alertId}/contacts")).StatusCode);
        }
        // Closed: the partner no longer needs the numbers.
        (await coordinator.PostAsync($"/api/alerts/{alertId}/resolve", Json("{\"outcome\":\"Rustig\"}"))).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await police.GetAsync($"/api/alerts/{alertId}/contacts")).StatusCode);
    }

    [Fact]
    public async Task MySchool_GivesTheCoordinatorTheSchoolsNumberAndFixedContacts_OnlyCoordinators()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var school = await coordinator.GetFromJsonAsync<JsonElement>("/api/me/school");
        Assert.Equal("demo-college-zaandam", school.GetProperty("schoolId").GetString());
        Assert.Equal("+31750000100", school.GetProperty("schoolPhone").GetString());
        var contact = Assert.Single(school.GetProperty("contacts").EnumerateArray());
        Assert.Equal("Jeugdambassadeur Smit (demo)", contact.GetProperty("name").GetString());
        Assert.Equal("+31600000012", contact.GetProperty("phone").GetString());
        Assert.Equal("youth_ambassador", contact.GetProperty("discipline").GetString());

        using var police = await host.ApiAsync(TestHost.Police);
        Assert.Equal(HttpStatusCode.Forbidden, (await police.GetAsync("/api/me/school")).StatusCode);
    }

    [Fact]
    public async Task UpdateSentAgainWithTheSameKey_IsPostedOnce_EvenAfterTheAlertClosed()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var alertId = await RaiseAsync(coordinator);
        var key = Guid.NewGuid().ToString();

        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{alertId}/updates")
            {
                Content = Json("{\"text\":\"Groep loopt richting station\"}"), Headers = { { "Idempotency-Key", key } },
            };
            (await coordinator.SendAsync(request)).EnsureSuccessStatusCode();
        }
        (await coordinator.PostAsync($"/api/alerts/{alertId}/resolve", Json("{\"outcome\":\"Rustig\"}"))).EnsureSuccessStatusCode();
        using (var late = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{alertId}/updates")
        {
            Content = Json("{\"text\":\"Groep loopt richting station\"}"), Headers = { { "Idempotency-Key", key } },
        })
        {
            // The retry of an update that got through before the alert closed: its answer, not "already closed".
            Assert.Equal(HttpStatusCode.OK, (await coordinator.SendAsync(late)).StatusCode);
        }
        var alert = await coordinator.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}");
        Assert.Single(alert.GetProperty("updates").EnumerateArray(), u => u.GetProperty("text").GetString() == "Groep loopt richting station");

        // A new key is a new update, and the closed alert refuses it.
        using var other = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{alertId}/updates")
        {
            Content = Json("{\"text\":\"Nog een\"}"), Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
        };
        Assert.Equal(HttpStatusCode.Conflict, (await coordinator.SendAsync(other)).StatusCode);
    }

    [Fact]
    public async Task TheSameAnswerAgain_ChangesNothing()
    {
        await using var host = await TestHost.StartAsync(settings: QuietTimers);
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);
        var alertId = await RaiseAsync(coordinator);
        using var police = await host.ApiAsync(TestHost.Police);

        var first = await (await police.PostAsync($"/api/alerts/{alertId}/acknowledgements", Json("{\"response\":\"on_my_way\"}"))).Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await police.PostAsync($"/api/alerts/{alertId}/acknowledgements", Json("{\"response\":\"on_my_way\"}"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(first.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());
        Assert.Equal(1, await host.WithDbAsync(db => Task.FromResult(db.Acknowledgements.Count(a => a.AlertId == Guid.Parse(alertId)))));
    }

    [Fact]
    public async Task SchoolAddressAndPhone_AreKept_AndAWrongNumberIsRefusedInDutch()
    {
        await using var host = await TestHost.StartAsync();
        using var admin = await host.ApiAsync(TestHost.Admin);
        var created = await admin.PostAsync("/api/admin/schools",
            Json("{\"id\":\"test-school\",\"name\":\"Testschool\",\"regionId\":\"zaanstreek\",\"address\":\"Dam 1, Zaandam\",\"phone\":\"+31 75 000 0200\"}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var school = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Dam 1, Zaandam", school.GetProperty("address").GetString());
        Assert.Equal("+31750000200", school.GetProperty("phone").GetString());

        var wrong = await admin.PutAsync("/api/admin/schools/test-school",
            Json("{\"name\":\"Testschool\",\"regionId\":\"zaanstreek\",\"phone\":\"bel de balie\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("Geef het nummer als +31", await wrong.Content.ReadAsStringAsync());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> RaiseAsync(HttpClient coordinator)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } } };
        var response = await coordinator.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
