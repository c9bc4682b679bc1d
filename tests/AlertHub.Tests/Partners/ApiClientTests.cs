using System.Net;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Partners;
using AlertHub.Privacy;
using AlertHub.Testing;
using AlertHub.Tests.People;

namespace AlertHub.Tests.Partners;

/// <summary>
/// R16: a partner system integrates with a client secret instead of a person's password. OAuth2 client credentials,
/// scopes that refuse what they do not grant, the organisation's need-to-know, answers on behalf of its recipients,
/// revocation at once, and every call in the audit log with the client as the actor.
/// </summary>
public sealed class ApiClientTests
{
    [Fact]
    public async Task TheTokenFlow_FollowsRfc6749_AndTheSecretIsShownOnce()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.ApiAsync(TestHost.Admin);
        var created = await admin.CreateClientAsync("politie-zaanstreek", ApiScopes.AlertsRead, ApiScopes.AlertsAnswer);
        Assert.StartsWith(ClientSecrets.Prefix, created.ClientSecret);
        Assert.Equal("zaanstreek", created.Client.RegionId);
        Assert.Equal([ApiScopes.AlertsAnswer, ApiScopes.AlertsRead], created.Client.Scopes);
        var listed = await (await admin.GetAsync("/api/admin/api-clients")).Content.ReadAsStringAsync();
        Assert.Contains(created.ClientId.ToString(), listed);
        Assert.DoesNotContain(created.ClientSecret, listed);

        // HTTP Basic and the form fields both work; the answer is RFC 6749's, not cached.
        foreach (var basic in new[] { true, false })
        {
            using var ok = await host.RequestTokenAsync(created.ClientId, created.ClientSecret, basic: basic);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("no-store", ok.Headers.CacheControl?.ToString());
            var token = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
            Assert.Equal(15 * 60, token.GetProperty("expires_in").GetInt32());
            Assert.Equal("alerts:answer alerts:read", token.GetProperty("scope").GetString());
            Assert.False(string.IsNullOrEmpty(token.GetProperty("access_token").GetString()));
        }
        using (var narrowed = await host.RequestTokenAsync(created.ClientId, created.ClientSecret, scope: ApiScopes.AlertsRead))
        {
            Assert.Equal("alerts:read", JsonDocument.Parse(await narrowed.Content.ReadAsStringAsync()).RootElement.GetProperty("scope").GetString());
        }

        await AssertTokenErrorAsync(await host.RequestTokenAsync(created.ClientId, created.ClientSecret + "x"), HttpStatusCode.Unauthorized, "invalid_client");
        await AssertTokenErrorAsync(await host.RequestTokenAsync(Guid.NewGuid(), created.ClientSecret), HttpStatusCode.Unauthorized, "invalid_client");
        await AssertTokenErrorAsync(await host.RequestTokenAsync(created.ClientId, created.ClientSecret, scope: ApiScopes.WebhooksRead), HttpStatusCode.BadRequest, "invalid_scope");
        using (var password = await host.CreateHttp().PostAsync("/api/auth/token", new FormUrlEncodedContent(
            [new("grant_type", "password"), new("username", TestHost.Police), new("password", TestHost.DemoPassword)])))
        {
            await AssertTokenErrorAsync(password, HttpStatusCode.BadRequest, "unsupported_grant_type");
        }

        // Bad input when creating: Dutch, per field.
        using var bad = await admin.PostJsonAsync("/api/admin/api-clients", new { name = "", organisationId = "bestaat-niet", scopes = new[] { "alles" } });
        var errors = await bad.ValidationErrorsAsync();
        Assert.Contains("Naam is verplicht.", errors["name"]);
        Assert.Contains(errors["scopes[0]"], m => m.StartsWith("Onbekende bevoegdheid 'alles'", StringComparison.Ordinal));
        using var nowhere = await admin.PostJsonAsync("/api/admin/api-clients", new { name = "x", organisationId = "bestaat-niet", scopes = new[] { ApiScopes.AlertsRead } });
        Assert.Contains("Deze organisatie bestaat niet.", (await nowhere.ValidationErrorsAsync())["organisationId"]);

        // Only an admin makes clients.
        var coordinator = await host.ApiAsync(TestHost.Coordinator);
        using var refused = await coordinator.PostJsonAsync("/api/admin/api-clients", new { name = "x", organisationId = "politie-zaanstreek", scopes = new[] { ApiScopes.AlertsRead } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task AClient_SeesWhatItsOrganisationReceived_ById_AndInLists_AndNothingElse()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.ApiAsync(TestHost.Admin);
        await admin.AddFireServiceAsync();
        var police = await host.PartnerAsync(await admin.CreateClientAsync("politie-zaanstreek", ApiScopes.AlertsRead));
        var fireService = await host.PartnerAsync(await admin.CreateClientAsync(PartnerHttp.FireService, ApiScopes.AlertsRead));
        var here = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync(new RaiseAlertRequest(Note: "groep bij het hek"));
        var there = await (await host.LoginAsync(TestHost.HaaglandenCoordinator)).RaiseAsync();

        var list = await (await police.GetAsync("/api/partner/alerts?status=open")).ReadAsync<List<AlertDto>>();
        Assert.Equal([here.Id], list.Select(a => a.Id));
        Assert.Equal("groep bij het hek", (await (await police.GetAsync($"/api/partner/alerts/{here.Id}")).ReadAsync<AlertDto>()).Note);
        using (var probe = await police.GetAsync($"/api/partner/alerts/{there.Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, probe.StatusCode); // another region
        }
        // The fire service has no recipient on this alert: it does not exist for its system.
        Assert.Empty(await (await fireService.GetAsync("/api/partner/alerts")).ReadAsync<List<AlertDto>>());
        using (var probe = await fireService.GetAsync($"/api/partner/alerts/{here.Id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, probe.StatusCode);
        }
        using (var status = await police.GetAsync("/api/partner/alerts?status=ergens"))
        {
            Assert.Contains("Kies open, resolved, cancelled of all.", (await status.ValidationErrorsAsync())["status"]);
        }
    }

    [Fact]
    public async Task Scopes_AndSchemes_RefuseWhatTheyDoNotGrant()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.ApiAsync(TestHost.Admin);
        var reader = await host.PartnerAsync(await admin.CreateClientAsync("politie-zaanstreek", ApiScopes.AlertsRead));
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        var policeId = alert.Recipients.Single(r => r.Discipline == Discipline.Police).PersonId;

        using (var answer = await reader.PostJsonAsync($"/api/partner/alerts/{alert.Id}/answers", new { personId = policeId, response = "on_my_way" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode); // no alerts:answer
        }
        using (var deliveries = await reader.GetAsync("/api/partner/webhook-deliveries"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, deliveries.StatusCode); // no webhooks:read
        }
        // A client token opens no person's endpoint, and a person's token no partner endpoint.
        foreach (var path in new[] { "/api/alerts", $"/api/alerts/{alert.Id}", "/api/me", "/api/admin/people" })
        {
            using var response = await reader.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
        }
        var person = await host.ApiAsync(TestHost.Police);
        using (var response = await person.GetAsync("/api/partner/alerts"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        var adminOnPartner = await host.ApiAsync(TestHost.Admin);
        using (var response = await adminOnPartner.GetAsync("/api/partner/webhook-deliveries"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var anonymous = await host.CreateHttp().GetAsync("/api/partner/alerts"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
    }

    [Fact]
    public async Task AClient_AnswersForItsRecipients_IsAudited_AndRevokingStopsItAtOnce()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.ApiAsync(TestHost.Admin);
        var created = await admin.CreateClientAsync("politie-zaanstreek", ApiScopes.AlertsRead, ApiScopes.AlertsAnswer);
        var dispatch = await host.PartnerAsync(created);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var police = alert.Recipients.Single(r => r.Discipline == Discipline.Police);
        var youth = alert.Recipients.First(r => r.Discipline == Discipline.YouthWork);

        var answered = await (await dispatch.PostJsonAsync($"/api/partner/alerts/{alert.Id}/answers",
            new { personId = police.PersonId, response = "on_my_way" })).ReadAsync<AlertDto>();
        Assert.Equal(AckResponse.OnMyWay, answered.Recipients.Single(r => r.PersonId == police.PersonId).Response);
        Assert.Equal(AckResponse.OnMyWay, (await coordinator.GetAlertAsync(alert.Id)).Recipients.Single(r => r.PersonId == police.PersonId).Response);

        // Not its organisation's recipient; no answer; a closed alert.
        using (var other = await dispatch.PostJsonAsync($"/api/partner/alerts/{alert.Id}/answers", new { personId = youth.PersonId, response = "seen" }))
        {
            Assert.Contains("Deze persoon is geen ontvanger van deze melding binnen jullie organisatie.", (await other.ValidationErrorsAsync())["personId"]);
        }
        using (var empty = await dispatch.PostJsonAsync($"/api/partner/alerts/{alert.Id}/answers", new { personId = police.PersonId }))
        {
            Assert.Contains("Kies seen, on_my_way, on_scene of unable.", (await empty.ValidationErrorsAsync())["response"]);
        }
        await coordinator.ResolveAsync(alert.Id, "opgelost");
        using (var closed = await dispatch.PostJsonAsync($"/api/partner/alerts/{alert.Id}/answers", new { personId = police.PersonId, response = "on_scene" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        }

        // Every call is in the audit log with the client as actor, in its region.
        using (await dispatch.GetAsync($"/api/partner/alerts/{alert.Id}"))
        {
        }
        var audit = await (await admin.GetAsync($"/api/admin/audit?actorId={created.ClientId}&pageSize=50")).ReadAsync<AuditPage>();
        var mine = audit.Items.Where(e => e.ActorId == created.ClientId).ToList();
        Assert.All(mine, e => Assert.Equal(AuditActors.ApiClient, e.ActorRole));
        Assert.All(mine, e => Assert.Equal("zaanstreek", e.RegionId));
        Assert.Contains(mine, e => e.Action == "apiclient.token");
        Assert.Contains(mine, e => e.Action == "alert.acknowledged" && e.SubjectId == alert.Id);
        Assert.Contains(mine, e => e.Action == "alert.viewed" && e.SubjectId == alert.Id);

        // Revoked: the token it holds stops working on the next call, and it gets no new one.
        using (var revoke = await admin.DeleteAsync($"/api/admin/api-clients/{created.ClientId}"))
        {
            Assert.NotNull((await revoke.ReadAsync<ApiClientDto>()).RevokedAt);
        }
        using (var after = await dispatch.GetAsync("/api/partner/alerts"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
            Assert.Contains("Client ingetrokken", await after.Content.ReadAsStringAsync());
        }
        await AssertTokenErrorAsync(await host.RequestTokenAsync(created.ClientId, created.ClientSecret), HttpStatusCode.Unauthorized, "invalid_client");
    }

    private static async Task AssertTokenErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
            var body = JsonDocument.Parse(text).RootElement;
            Assert.Equal(error, body.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("error_description").GetString()));
            if (status == HttpStatusCode.Unauthorized)
            {
                Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString());
            }
        }
    }
}
