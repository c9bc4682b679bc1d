using System.Net;
using System.Text.Json.Nodes;
using AlertHub.Client;
using AlertHub.People;
using AlertHub.Testing;

namespace AlertHub.Tests.People;

/// <summary>
/// Issue 16: routing reads the directory from memory. A change made through another node — a tracked save and
/// a delete past the tracker — must be routed by the very next raise, with no timer and no message between nodes.
/// </summary>
public sealed class DirectoryCacheTests
{
    [Fact]
    public async Task AChangeOnOneNode_IsRoutedByTheNextRaiseOnTheOther()
    {
        await using var a = await TestHost.StartAsync();
        await using var b = await TestHost.StartAsync(dataDirectory: a.DataDirectory);
        var coordinator = await b.LoginAsync(TestHost.Coordinator);
        var first = await coordinator.RaiseAsync();
        var police = (await (await b.LoginAsync(TestHost.Police)).GetMeAsync()).PersonId;
        var enforcement = (await (await b.LoginAsync(TestHost.Enforcement)).GetMeAsync()).PersonId;
        Assert.Contains(first.Recipients, r => r.PersonId == police);
        Assert.Contains(first.Recipients, r => r.PersonId == enforcement);
        Assert.Contains(first.Recipients, r => r.Discipline == Discipline.YouthWork);

        // On node A the police officer is deactivated: a tracked save.
        var admin = await a.ApiAsync(TestHost.Admin);
        var person = await (await admin.GetAsync($"/api/admin/people/{police}")).ReadAsync<JsonObject>();
        var fields = new JsonObject { ["active"] = false };
        foreach (var name in new[] { "name", "email", "role", "discipline", "phone", "organisationId", "regionId", "schoolId" })
        {
            fields[name] = person[name]?.DeepClone();
        }
        using (var deactivated = await admin.PutJsonAsync($"/api/admin/people/{police}", fields))
        {
            Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
        }

        var second = await coordinator.RaiseAsync();

        Assert.DoesNotContain(second.Recipients, r => r.PersonId == police);
        Assert.Contains(second.Recipients, r => r.PersonId == enforcement);

        // Then enforcement's shift is deleted: a delete past the change tracker.
        var roster = await (await admin.GetAsync($"/api/admin/roster?at={Uri.EscapeDataString(a.Now.ToString("o"))}")).ReadAsync<List<RosterEntryDto>>();
        foreach (var shift in roster.Where(r => r.PersonId == enforcement))
        {
            using var deleted = await admin.DeleteAsync($"/api/admin/roster/{shift.Id}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var third = await coordinator.RaiseAsync();

        Assert.DoesNotContain(third.Recipients, r => r.PersonId == enforcement);
        Assert.Contains(third.Recipients, r => r.Discipline == Discipline.YouthWork);
    }
}
