using System.Net;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Security;

public sealed class HeadersOriginAndRevocationTests
{
    [Fact]
    public async Task Responses_CarrySecurityHeaders()
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.CreateHttp().GetAsync("/health/live");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task HubFromAForeignOrigin_IsRefused_OwnAndConfiguredOriginsAreAllowed()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:AllowedOrigins:0"] = "https://app.alerthub.example" });
        var police = await host.LoginAsync(TestHost.Police);
        async Task<HttpStatusCode> Negotiate(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/alerts/negotiate?negotiateVersion=1");
            request.Headers.Add("Origin", origin);
            using var response = await police.Http.SendAsync(request);
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.Forbidden, await Negotiate("https://evil.example"));
        Assert.Equal(HttpStatusCode.OK, await Negotiate("https://app.alerthub.example"));
        Assert.Equal(HttpStatusCode.OK, await Negotiate(host.BaseAddress.GetLeftPart(UriPartial.Authority)));
    }

    [Fact]
    public async Task HstsAndHttpsRedirection_AreOnOutsideDevelopment()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Security:RequireHttps"] = "true",
            ["https_port"] = "8443",
        });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using var response = await http.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.StartsWith("https://", response.Headers.Location!.ToString());
    }

    [Theory]
    [InlineData("deactivated")]
    [InlineData("moved")]
    [InlineData("role")]
    public async Task RevokedAccess_DisconnectsLiveConnectionsWithinSeconds(string change)
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:RecheckConnectionsEvery"] = "00:00:00.500" });
        var police = await host.ListenAsync(TestHost.Police);
        var closed = new TaskCompletionSource();
        police.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        // The hub answers a call only after its on-connect work (where the connection is registered with the person's
        // state as it is then): the change below must come after that, or it would be the state registered.
        await police.Connection.InvokeAsync<AlertChangesDto>(HubNames.GetChangesSince, (string?)null);
        await host.WithDbAsync(async db =>
        {
            var person = await db.People.SingleAsync(p => p.Email == TestHost.Police);
            switch (change)
            {
                case "deactivated": person.Active = false; break;
                case "moved": person.RegionId = "haaglanden"; break;
                default: person.Role = PersonRole.Coordinator; break;
            }
            return await db.SaveChangesAsync();
        });
        // Rechecked every 0.5 s; the margin is for a loaded CI machine (two cores, parallel test hosts).
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));

        if (change == "deactivated")
        {
            // The token is still valid, but the hub refuses an inactive person.
            await using var again = police.Client.CreateHubConnection();
            var reconnected = new TaskCompletionSource();
            again.Closed += _ =>
            {
                reconnected.TrySetResult();
                return Task.CompletedTask;
            };
            try
            {
                await again.StartAsync();
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or System.IO.IOException)
            {
                reconnected.TrySetResult();
            }
            await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.NotEqual(HubConnectionState.Connected, again.State);
            var error = await Assert.ThrowsAsync<AlertHubException>(() => police.Client.ListAlertsAsync());
            Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        }
    }
}
