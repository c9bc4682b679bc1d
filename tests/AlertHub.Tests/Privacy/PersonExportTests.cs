using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Tests.Delivery;
using AlertHub.Testing;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Privacy;

public sealed class PersonExportTests
{
    [Fact]
    public async Task Export_ContainsEverythingAboutThePerson_AndNoPasswordHashOrStamps()
    {
        // The youth worker stays offline, so after the (short) fallback window they get an SMS.
        await using var host = await TestHost.StartAsync(settings: SmsFallbackTests.With(new(),
            ("Hotline:Opens", "00:00"), ("Hotline:Closes", "23:59"),
            ("Alerts:SmsFallbackAfter", "00:00:01"), ("Scheduling:PollInterval", "00:00:00.100")));
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var youthWork = await host.LoginAsync(TestHost.YouthWork);
        var admin = (await host.LoginAsync(TestHost.Admin)).Http;
        var id = (await youthWork.GetMeAsync()).PersonId;

        var alert = await coordinator.RaiseAsync();
        await Eventually.HoldsAsync(() => host.WithDbAsync(db => db.SmsMessages.CountAsync(m => m.PersonId == id)), n => n == 1, what: "fallback SMS");
        await youthWork.AcknowledgeAsync(alert.Id, AckResponse.OnMyWay);
        await youthWork.PostUpdateAsync(alert.Id, "Ik ben bij de ingang");
        using (var put = await youthWork.Http.PutAsJsonAsync($"/api/evaluations/{alert.EvaluationId}",
            new UpdateEvaluationRequest(Cooperation: "Goed contact met de school"), AlertHubJson.Options))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/admin/people/{id}")).StatusCode);

        using var response = await admin.GetAsync($"/api/admin/people/{id}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var text = await response.Content.ReadAsStringAsync();
        var export = JsonDocument.Parse(text).RootElement;

        var person = export.GetProperty("person");
        Assert.Equal(id, person.GetProperty("id").GetGuid());
        Assert.Equal("Jongerenwerker Bakker (demo)", person.GetProperty("name").GetString());
        Assert.Equal("+31600000002", person.GetProperty("phone").GetString());
        var account = export.GetProperty("account");
        Assert.Equal(TestHost.YouthWork, account.GetProperty("email").GetString());
        Assert.Equal(["Partner"], account.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.True(account.TryGetProperty("lockoutEnd", out _));
        Assert.Contains(export.GetProperty("roster").EnumerateArray(), r => r.GetProperty("regionId").GetString() == "zaanstreek");
        var received = Assert.Single(export.GetProperty("alertsReceived").EnumerateArray());
        Assert.Equal(alert.Id, received.GetProperty("alertId").GetGuid());
        Assert.Equal("on_my_way", received.GetProperty("response").GetString());
        Assert.Equal("app", Assert.Single(export.GetProperty("acknowledgements").EnumerateArray()).GetProperty("channel").GetString());
        Assert.Equal("Ik ben bij de ingang", Assert.Single(export.GetProperty("updatesWritten").EnumerateArray()).GetProperty("text").GetString());
        var sms = Assert.Single(export.GetProperty("smsMessages").EnumerateArray());
        Assert.Equal("+31600000002", sms.GetProperty("to").GetString());
        Assert.Contains("Demo College Zaandam", sms.GetProperty("body").GetString());
        Assert.Equal("Goed contact met de school",
            Assert.Single(export.GetProperty("evaluationInputs").EnumerateArray()).GetProperty("text").GetString());
        Assert.Contains(export.GetProperty("auditEntriesBy").EnumerateArray(), e => e.GetProperty("action").GetString() == "alert.acknowledged");
        Assert.Contains(export.GetProperty("auditEntriesBy").EnumerateArray(), e => e.GetProperty("action").GetString() == "evaluation.changed");
        Assert.Contains(export.GetProperty("auditEntriesAbout").EnumerateArray(), e => e.GetProperty("action").GetString() == "person.viewed");
        Assert.Empty(export.GetProperty("alertsRaised").EnumerateArray());

        var secrets = await host.WithDbAsync(db => db.Users.Where(u => u.Email == TestHost.YouthWork)
            .Select(u => new[] { u.PasswordHash!, u.SecurityStamp!, u.ConcurrencyStamp! }).SingleAsync());
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text);
        }
        foreach (var field in new[] { "passwordHash", "securityStamp", "concurrencyStamp", "accessToken", "refreshToken" })
        {
            Assert.DoesNotContain(field, text, StringComparison.OrdinalIgnoreCase);
        }

        var exported = await host.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Action == "person.exported"));
        Assert.Equal(id, exported.SubjectId);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/admin/people/{Guid.NewGuid()}/export")).StatusCode);
    }
}
