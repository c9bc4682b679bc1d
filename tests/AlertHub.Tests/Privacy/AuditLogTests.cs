using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.People;
using AlertHub.Privacy;
using AlertHub.Tests.People;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Privacy;

public sealed class AuditLogTests
{
    private const string Note = "Jan de Boer bedreigd bij de fietsenstalling";
    private const string UpdateText = "Broer van Jan staat bij de poort";
    private const string WentWell = "Wijkagent Jansen was er snel";

    [Fact]
    public async Task ViewsAndChanges_OfAlertEvaluationAndPerson_AreAudited_WithActorRoleAndIp_WithoutNamesOrNotes()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var police = await host.ListenAsync(TestHost.Police);
        var teamLead = await host.LoginAsync(TestHost.TeamLead);
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var coordinatorId = (await coordinator.GetMeAsync()).PersonId;
        var policeId = (await police.Client.GetMeAsync()).PersonId;
        var teamLeadId = (await teamLead.GetMeAsync()).PersonId;

        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: Note));
        await coordinator.GetAlertAsync(alert.Id);
        await police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, alert.Id, AckResponse.OnMyWay);
        await coordinator.PostUpdateAsync(alert.Id, UpdateText);
        await teamLead.Http.GetFromJsonAsync<EvaluationDto>($"/api/evaluations/{alert.EvaluationId}", AlertHubJson.Options);
        using (var put = await teamLead.Http.PutAsJsonAsync($"/api/evaluations/{alert.EvaluationId}",
            new UpdateEvaluationRequest(WentWell: WentWell), AlertHubJson.Options))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        await coordinator.ResolveAsync(alert.Id, "Jan is door zijn ouders opgehaald");

        await (await admin.GetAsync($"/api/admin/people/{policeId}")).ReadAsync<PersonDto>();
        await (await admin.PutJsonAsync($"/api/admin/people/{policeId}", new
        {
            name = "Wijkagent Jansen (demo)", email = TestHost.Police, role = "partner", discipline = "police",
            phone = "+31600000077", organisationId = "politie-zaanstreek", regionId = "zaanstreek",
        })).ReadAsync<PersonDto>();
        var created = await (await admin.PostJsonAsync("/api/admin/people", new
        {
            name = "Jongerenwerker Pietersen (test)", role = "partner", discipline = "youth_work", phone = "+31600000088",
            organisationId = "jongerenwerk-zaanstad", regionId = "zaanstreek",
        })).ReadAsync<PersonDto>(HttpStatusCode.Created);

        var page = await (await admin.GetAsync("/api/admin/audit?pageSize=500")).ReadAsync<AuditPage>();
        var entries = page.Items;
        Assert.Equal(entries.Count, page.Total);
        Assert.Equal(entries.OrderByDescending(e => e.At).Select(e => e.Id), entries.Select(e => e.Id)); // newest first

        AuditEntryDto One(string action, Guid subject) => Assert.Single(entries, e => e.Action == action && e.SubjectId == subject);
        void By(AuditEntryDto entry, Guid actor, string role, string via = "http")
        {
            Assert.Equal(actor, entry.ActorId);
            Assert.Equal(role, entry.ActorRole);
            Assert.Equal("127.0.0.1", entry.RemoteIp);
            Assert.Equal(via, entry.Via);
        }

        var raised = One("alert.raised", alert.Id);
        By(raised, coordinatorId, "Coordinator");
        Assert.Equal("alert", raised.SubjectType);
        Assert.Equal("zaanstreek", raised.RegionId);
        By(One("alert.viewed", alert.Id), coordinatorId, "Coordinator");
        By(One("alert.acknowledged", alert.Id), policeId, "Partner", via: "hub");
        By(One("alert.updated", alert.Id), coordinatorId, "Coordinator");
        By(One("alert.resolved", alert.Id), coordinatorId, "Coordinator");
        By(One("evaluation.viewed", alert.EvaluationId!.Value), teamLeadId, "TeamLead");
        var changed = One("evaluation.changed", alert.EvaluationId.Value);
        By(changed, teamLeadId, "TeamLead");
        Assert.Equal("zaanstreek", changed.RegionId);
        var adminId = await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.Admin).Select(p => p.Id).SingleAsync());
        By(One("person.viewed", policeId), adminId, "Admin");
        var personChanged = One("person.changed", policeId);
        By(personChanged, adminId, "Admin");
        Assert.Equal("zaanstreek", personChanged.RegionId);
        By(One("person.created", created.Id), adminId, "Admin");

        // Ids and codes only: nothing of the note, the update, the evaluation, names or phone numbers.
        var json = await admin.GetStringAsync("/api/admin/audit/export?format=json");
        var csv = await admin.GetStringAsync("/api/admin/audit/export?format=csv");
        var names = await host.WithDbAsync(db => db.People.Select(p => p.Name).ToListAsync());
        foreach (var text in new[] { json, csv, JsonSerializer.Serialize(page, AlertHubJson.Options) })
        {
            foreach (var secret in new[] { "Jan", "Boer", "fietsenstalling", "poort", "ouders", "snel", "+316", "3160000" }.Concat(names))
            {
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }
        }
        Assert.StartsWith("id,at,actorId,actorRole,action,subjectType,subjectId,regionId,remoteIp,via\r\n", csv);
        var exported = JsonSerializer.Deserialize<List<AuditEntryDto>>(json, AlertHubJson.Options)!;
        Assert.Equal(exported.OrderBy(e => e.At).Select(e => e.Id), exported.Select(e => e.Id)); // oldest first
        Assert.Contains(exported, e => e.Action == "alert.raised" && e.SubjectId == alert.Id);
        Assert.Contains(exported, e => e.Action == "audit.viewed" && e.ActorId == adminId); // reading the log is logged too
    }

    [Fact]
    public async Task Filters_AndPaging_SelectTheRightEntries()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var coordinatorId = (await coordinator.GetMeAsync()).PersonId;
        var first = await coordinator.RaiseAsync(idempotencyKey: "a");
        var second = await coordinator.RaiseAsync(idempotencyKey: "b");
        await coordinator.RaiseAsync(idempotencyKey: "b"); // a repeat changes nothing and is not a second raise
        await coordinator.GetAlertAsync(first.Id);
        await coordinator.GetAlertAsync(first.Id);

        var about = await (await admin.GetAsync($"/api/admin/audit?subjectId={first.Id}")).ReadAsync<AuditPage>();
        Assert.Equal(["alert.raised", "alert.viewed", "alert.viewed"], about.Items.Select(e => e.Action).Order());
        var raises = await (await admin.GetAsync($"/api/admin/audit?action=alert.raised&actorId={coordinatorId}")).ReadAsync<AuditPage>();
        Assert.Equal([first.Id, second.Id], raises.Items.Select(e => e.SubjectId!.Value).Order());
        var paged = await (await admin.GetAsync($"/api/admin/audit?subjectId={first.Id}&page=2&pageSize=2")).ReadAsync<AuditPage>();
        Assert.Equal(3, paged.Total);
        Assert.Single(paged.Items);
        var from = Uri.EscapeDataString(host.Now.AddMinutes(1).ToString("o"));
        Assert.Equal(0, (await (await admin.GetAsync($"/api/admin/audit?from={from}")).ReadAsync<AuditPage>()).Total);

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/admin/audit?pageSize=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/admin/audit/export?format=xml")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/admin/audit?from=gisteren")).StatusCode);
    }

    [Fact]
    public async Task AuditEntries_CannotBeModifiedOrDeleted()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var count = await host.WithDbAsync(db => db.AuditEntries.CountAsync());
        Assert.True(count > 0);

        await host.WithDbAsync(async db =>
        {
            var entry = await db.AuditEntries.FirstAsync(e => e.SubjectId == alert.Id);
            entry.Action = "alert.viewed";
            await Assert.ThrowsAsync<AuditLogAppendOnlyException>(() => db.SaveChangesAsync());
            db.ChangeTracker.Clear();

            db.AuditEntries.Remove(await db.AuditEntries.FirstAsync());
            await Assert.ThrowsAsync<AuditLogAppendOnlyException>(() => db.SaveChangesAsync());
            db.ChangeTracker.Clear();

            // Around EF's change tracker, the database's own triggers refuse it.
            await Assert.ThrowsAnyAsync<Exception>(() => db.AuditEntries.ExecuteDeleteAsync());
            await Assert.ThrowsAnyAsync<Exception>(() => db.AuditEntries.ExecuteUpdateAsync(s => s.SetProperty(e => e.RemoteIp, "10.0.0.1")));
            return true;
        });

        Assert.Equal(count, await host.WithDbAsync(db => db.AuditEntries.CountAsync()));
        Assert.Equal(0, await host.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.RemoteIp == "10.0.0.1" || e.Action == "alert.viewed")));
    }

    [Fact]
    public async Task OnlyAdmins_ReadTheAuditAndExportPeople()
    {
        await using var host = await TestHost.StartAsync();
        var policeId = await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.Police).Select(p => p.Id).SingleAsync());
        string[] paths = ["/api/admin/audit", "/api/admin/audit/export?format=csv", "/api/admin/audit/export?format=json", $"/api/admin/people/{policeId}/export"];

        var anonymous = host.CreateHttp();
        foreach (var path in paths)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        }
        foreach (var email in new[] { TestHost.Coordinator, TestHost.Police, TestHost.TeamLead, TestHost.HaaglandenCoordinator })
        {
            var http = (await host.LoginAsync(email)).Http;
            foreach (var path in paths)
            {
                Assert.True((await http.GetAsync(path)).StatusCode == HttpStatusCode.Forbidden, $"{email} {path}");
            }
        }
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        foreach (var path in paths)
        {
            using var response = await admin.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, path);
        }
        using var csv = await admin.GetAsync("/api/admin/audit/export?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        // The refused attempts changed nothing and read nothing: only the admin's own reads are in the log.
        var actions = await host.WithDbAsync(db => db.AuditEntries.Select(e => e.Action).Distinct().ToListAsync());
        Assert.Equal(["audit.exported", "audit.viewed", "person.exported"], actions.Order());
    }
}
