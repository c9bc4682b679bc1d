using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Alerts;

public sealed class AccessAndInputTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("POST", "/api/alerts")]
    [InlineData("GET", "/api/alerts?status=open")]
    [InlineData("GET", "/api/alerts/0196a000-0000-7000-8000-000000000000")]
    [InlineData("POST", "/api/alerts/0196a000-0000-7000-8000-000000000000/acknowledgements")]
    [InlineData("POST", "/api/alerts/0196a000-0000-7000-8000-000000000000/updates")]
    [InlineData("POST", "/api/alerts/0196a000-0000-7000-8000-000000000000/resolve")]
    [InlineData("POST", "/api/alerts/0196a000-0000-7000-8000-000000000000/cancel")]
    [InlineData("GET", "/api/me")]
    public async Task Anonymous_Gets401(string method, string path)
    {
        using var http = _host.CreateHttp();
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Hub_WithoutToken_IsRefused()
    {
        var connection = new HubConnectionBuilder().WithUrl(new Uri(_host.BaseAddress, HubNames.Path)).Build();
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Fact]
    public async Task Login_WithWrongPassword_Gets401()
    {
        using var http = _host.CreateHttp();
        using var response = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Coordinator, "wrong-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Refresh_GivesANewWorkingToken()
    {
        using var http = _host.CreateHttp();
        using var login = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Police, TestHost.DemoPassword));
        var tokens = await login.Content.ReadFromJsonAsync<TokenResponse>();
        using var refresh = await http.PostAsJsonAsync("/api/auth/refresh", new RefreshRequest(tokens!.RefreshToken));
        var renewed = await refresh.Content.ReadFromJsonAsync<TokenResponse>();
        var client = new AlertHubClient(_host.CreateHttp());
        client.UseToken(renewed!.AccessToken);
        Assert.Empty(await client.ListAlertsAsync());

        using var bogus = await http.PostAsJsonAsync("/api/auth/refresh", new RefreshRequest("not-a-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, bogus.StatusCode);
    }

    [Theory]
    [InlineData(TestHost.Police)]
    [InlineData(TestHost.TeamLead)]
    [InlineData(TestHost.Admin)]
    public async Task NonCoordinator_RaisingAlert_Gets403(string email)
    {
        var client = await _host.LoginAsync(email);
        var error = await Assert.ThrowsAsync<AlertHubException>(() => client.RaiseAsync());
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal(0, await _host.WithDbAsync(db => db.Alerts.CountAsync()));
    }

    [Fact]
    public async Task Partner_ResolvingOrCancelling_Gets403_AndOtherRegionGets404()
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var police = await _host.LoginAsync(TestHost.Police);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<AlertHubException>(() => police.ResolveAsync(alert.Id, "x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<AlertHubException>(() => police.CancelAsync(alert.Id))).StatusCode);

        var otherCoordinator = await _host.LoginAsync(TestHost.HaaglandenCoordinator);
        foreach (var call in new Func<Task>[]
        {
            () => otherCoordinator.GetAlertAsync(alert.Id),
            () => otherCoordinator.ResolveAsync(alert.Id, "x"),
            () => otherCoordinator.CancelAsync(alert.Id),
            () => otherCoordinator.PostUpdateAsync(alert.Id, "x"),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<AlertHubException>(call)).StatusCode);
        }
        var otherPolice = await _host.LoginAsync(TestHost.HaaglandenPolice);
        Assert.Equal(HttpStatusCode.NotFound,
            (await Assert.ThrowsAsync<AlertHubException>(() => otherPolice.AcknowledgeAsync(alert.Id, AckResponse.Seen))).StatusCode);
        Assert.Equal(AlertStatus.Open, (await coordinator.GetAlertAsync(alert.Id)).Status);
    }

    [Fact]
    public async Task Coordinator_RaisingForAnotherSchool_Gets403()
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        var error = await Assert.ThrowsAsync<AlertHubException>(() => coordinator.RaiseAsync(new RaiseAlertRequest(SchoolId: "demo-lyceum-wormerveer")));
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
    }

    [Theory]
    [InlineData("/api/alerts", """{"schoolId":"no-such-school"}""", "schoolId")]
    [InlineData("/api/alerts", """{"schoolId":"demo-school-den-haag"}""", "schoolId")]
    [InlineData("/api/alerts", """{"kind":"bomb"}""", "kind")]
    [InlineData("/api/alerts", """{"note":12}""", "note")]
    [InlineData("/api/alerts", """{"note":"x""", "note")]
    [InlineData("/api/alerts", "not json", "body")]
    public async Task BadRaise_Gets400NamingTheField_AndWritesNothing(string path, string json, string field)
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        using var response = await coordinator.Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        await AssertBadRequest(response, field);
        Assert.Equal(0, await _host.WithDbAsync(db => db.Alerts.CountAsync()));
    }

    [Fact]
    public async Task NoteOver500Characters_Gets400_AndWritesNothing()
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        using var response = await coordinator.Http.PostAsJsonAsync("/api/alerts", new { note = new string('a', 501) });
        await AssertBadRequest(response, "note");
        Assert.Equal(0, await _host.WithDbAsync(db => db.Alerts.CountAsync()));
    }

    [Fact]
    public async Task UnknownResponse_Gets400_OverHttpAndHub_AndWritesNothing()
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        var alert = await coordinator.RaiseAsync();
        var police = await _host.ListenAsync(TestHost.Police);

        using var response = await police.Client.Http.PostAsync($"/api/alerts/{alert.Id}/acknowledgements",
            new StringContent("""{"response":"maybe"}""", Encoding.UTF8, "application/json"));
        await AssertBadRequest(response, "response");
        using var missing = await police.Client.Http.PostAsync($"/api/alerts/{alert.Id}/updates",
            new StringContent("""{"text":""}""", Encoding.UTF8, "application/json"));
        await AssertBadRequest(missing, "text");

        await Assert.ThrowsAnyAsync<Exception>(() => police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, alert.Id, "maybe"));
        Assert.Equal(0, await _host.WithDbAsync(db => db.Acknowledgements.CountAsync()));
        Assert.Equal(0, await _host.WithDbAsync(db => db.AlertUpdates.CountAsync()));
        Assert.Null((await coordinator.GetAlertAsync(alert.Id)).Recipients.Single(r => r.Discipline == Discipline.Police).Response);
    }

    [Fact]
    public async Task UnknownStatusFilter_Gets400()
    {
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        using var response = await coordinator.Http.GetAsync("/api/alerts?status=everything");
        await AssertBadRequest(response, "status");
    }

    [Fact]
    public async Task Health_And_OpenApi_AreServed()
    {
        using var http = _host.CreateHttp();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        var openApi = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/alerts", openApi);
        Assert.Contains("/api/auth/login", openApi);
    }

    private static async Task AssertBadRequest(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.True(problem.TryGetProperty("errors", out var errors), problem.ToString());
        Assert.True(errors.TryGetProperty(field, out _), $"expected '{field}' in {errors}");
    }
}
