using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Privacy;
using AlertHub.Testing;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AlertHub.Tests.Accounts;

/// <summary>R13: a trusted device stays signed in through its cookie, until it is ended, reused or its window is over.</summary>
public sealed class DeviceSessionTests
{
    [Fact]
    public async Task DeviceLogin_SetsAnHttpOnlyStrictCookieScopedToAuth_AndPutsNoRefreshTokenInTheBody()
    {
        await using var host = await TestHost.StartAsync();
        var device = new DeviceBrowser(host);

        using var response = await device.LoginAsync(TestHost.Police);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(DeviceCookie.Name + "=", setCookie, StringComparison.Ordinal);
        var attributes = setCookie.Split(';').Select(a => a.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/api/auth", attributes);
        Assert.DoesNotContain("secure", attributes); // plain http on loopback; Secure whenever the request is HTTPS
        var maxAge = attributes.Single(a => a.StartsWith("max-age=", StringComparison.Ordinal));
        Assert.InRange(long.Parse(maxAge["max-age=".Length..]), TimeSpan.FromDays(30).TotalSeconds - 60, TimeSpan.FromDays(30).TotalSeconds);

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.TryGetProperty("refreshToken", out _));
        Assert.Equal("Bearer", body.GetProperty("tokenType").GetString());
        Assert.True(body.GetProperty("expiresIn").GetInt64() > 0);
        Assert.DoesNotContain(device.Cookie!.Split('.')[1], await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CookieRefresh_GivesAWorkingTokenWithTheDeviceSessionClaim_AndRotatesTheCookie()
    {
        await using var host = await TestHost.StartAsync();
        var device = new DeviceBrowser(host);
        (await device.LoginAsync(TestHost.Police)).Dispose();
        var first = device.Cookie;

        var tokens = await device.RefreshAsync();

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.NotEqual(first, device.Cookie);
        var ticket = host.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>()
            .Get(IdentityConstants.BearerScheme).BearerTokenProtector.Unprotect(tokens.AccessToken);
        Assert.Equal(tokens.DeviceSessionId.ToString(), ticket!.Principal.FindFirst(DeviceTokens.ClaimType)?.Value);

        var client = new AlertHubClient(host.CreateHttp());
        client.UseToken(tokens.AccessToken!);
        Assert.Empty(await client.ListAlertsAsync());
        await using var hub = client.CreateHubConnection();
        await hub.StartAsync();
        Assert.Equal(HubConnectionState.Connected, hub.State);

        using var api = Bearer(host, tokens.AccessToken!);
        var devices = await api.GetFromJsonAsync<JsonElement>("/api/auth/devices");
        var listed = Assert.Single(devices.EnumerateArray());
        Assert.Equal(tokens.DeviceSessionId, listed.GetProperty("id").GetGuid());
        Assert.True(listed.GetProperty("current").GetBoolean());
        Assert.False(string.IsNullOrEmpty(listed.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task ReplacedSecret_UsedAgainAfterTheGrace_EndsTheSession_ForBothHolders()
    {
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time);
        var device = new DeviceBrowser(host);
        (await device.LoginAsync(TestHost.Police)).Dispose();
        var stolen = device.Cookie;
        Assert.Equal(HttpStatusCode.OK, (await device.RefreshAsync()).Status);
        var current = device.Cookie;

        time.Advance(DeviceSecrets.ReuseGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await device.RefreshAsync(stolen)).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await device.RefreshAsync(current)).Status);
        var session = await host.WithDbAsync(db => db.DeviceSessions.AsNoTracking().SingleAsync());
        Assert.Equal(DeviceEndReason.SecretReused, session.RevokedReason);
    }

    [Fact]
    public async Task ReplacedSecret_WithinTheGrace_RotatesAgain_SoTwoTabsRefreshingAtOnceStaySignedIn()
    {
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time);
        var device = new DeviceBrowser(host);
        (await device.LoginAsync(TestHost.Police)).Dispose();
        var both = device.Cookie;
        Assert.Equal(HttpStatusCode.OK, (await device.RefreshAsync(both)).Status);

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await device.RefreshAsync(both)).Status);
        Assert.Equal(HttpStatusCode.OK, (await device.RefreshAsync()).Status);
    }

    [Fact]
    public async Task Refresh_IsRefused_OnceDeviceSessionDaysHavePassed_CountedFromTheSignIn()
    {
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time, settings: new Dictionary<string, string?> { ["Auth:DeviceSessionDays"] = "3" });
        var device = new DeviceBrowser(host);
        (await device.LoginAsync(TestHost.Police)).Dispose();

        time.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await device.RefreshAsync()).Status);
        time.Advance(TimeSpan.FromMinutes(2));
        var expired = await device.RefreshAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Equal("Sessie verlopen", expired.Problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task EndedDevice_CannotRefresh_DisappearsFromTheList_AndLosesItsHubConnection()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:RecheckConnectionsEvery"] = "00:00:00.500" });
        var phone = new DeviceBrowser(host);
        var pc = new DeviceBrowser(host);
        (await phone.LoginAsync(TestHost.Police)).Dispose();
        (await pc.LoginAsync(TestHost.Police)).Dispose();
        var phoneTokens = await phone.RefreshAsync();
        var pcTokens = await pc.RefreshAsync();
        var client = new AlertHubClient(host.CreateHttp());
        client.UseToken(phoneTokens.AccessToken!);
        await using var hub = client.CreateHubConnection();
        var closed = new TaskCompletionSource();
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await hub.StartAsync();

        using var api = Bearer(host, pcTokens.AccessToken!);
        using var other = await host.ApiAsync(TestHost.YouthWork);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/api/auth/devices/{phoneTokens.DeviceSessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/auth/devices/{phoneTokens.DeviceSessionId}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.RefreshAsync()).Status);
        Assert.Equal(HttpStatusCode.OK, (await pc.RefreshAsync()).Status);
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/auth/devices");
        Assert.Equal([pcTokens.DeviceSessionId], listed.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var again = client.CreateHubConnection();
            await again.StartAsync();
            await again.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L);
        });
    }

    [Fact]
    public async Task Admin_ListsAndEndsAPersonsDevices_Audited()
    {
        await using var host = await TestHost.StartAsync();
        var phone = new DeviceBrowser(host);
        (await phone.LoginAsync(TestHost.Police)).Dispose();
        var tokens = await phone.RefreshAsync();
        var policeId = await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.Police).Select(p => p.Id).SingleAsync());
        using var admin = await host.ApiAsync(TestHost.Admin);
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);

        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.GetAsync($"/api/admin/people/{policeId}/devices")).StatusCode);
        var listed = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/people/{policeId}/devices");
        Assert.Equal(tokens.DeviceSessionId, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.DeleteAsync($"/api/admin/devices/{tokens.DeviceSessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/devices/{tokens.DeviceSessionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/admin/devices/{Guid.CreateVersion7()}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.RefreshAsync()).Status);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/admin/people/{policeId}/devices")).EnumerateArray());
        var audit = await host.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.Action == AuditAction.DeviceEnded.Name || e.Action == AuditAction.DevicesListed.Name).ToListAsync());
        var ended = Assert.Single(audit, e => e.Action == AuditAction.DeviceEnded.Name);
        Assert.Equal(tokens.DeviceSessionId, ended.SubjectId);
        Assert.Equal("zaanstreek", ended.RegionId);
        Assert.Equal(nameof(PersonRole.Admin), ended.ActorRole);
        Assert.Equal(2, audit.Count(e => e.Action == AuditAction.DevicesListed.Name && e.SubjectId == policeId));

        // The access-request export names the device and how it ended, never its secret's hash.
        using var export = await admin.GetAsync($"/api/admin/people/{policeId}/export");
        var exported = await export.Content.ReadAsStringAsync();
        var device = Assert.Single(JsonDocument.Parse(exported).RootElement.GetProperty("devices").EnumerateArray());
        Assert.Equal(DeviceEndReason.EndedByAdmin, device.GetProperty("endedBecause").GetString());
        var hash = await host.WithDbAsync(db => db.DeviceSessions.AsNoTracking().Select(d => d.SecretHash).SingleAsync());
        Assert.DoesNotContain(hash, exported, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secretHash", exported, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CookieEndpoints_RefuseRequestsThatDoNotComeFromTheAppItself()
    {
        await using var host = await TestHost.StartAsync();
        var device = new DeviceBrowser(host);
        (await device.LoginAsync(TestHost.Police)).Dispose();
        var cookie = device.Cookie;

        Assert.Equal(HttpStatusCode.Forbidden, (await device.RefreshAsync(cookie, csrfHeader: false)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await device.RefreshAsync(cookie, origin: "https://evil.example")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await device.RefreshAsync(cookie, origin: $"http://{host.BaseAddress.Host}.evil.example")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await device.RefreshAsync(cookie, fetchSite: "cross-site")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await device.RefreshAsync(cookie, fetchSite: "same-site")).Status);
        using (var logout = await device.SendAsync("/api/auth/device/logout", cookie, csrfHeader: false))
        {
            Assert.Equal(HttpStatusCode.Forbidden, logout.StatusCode);
        }
        using (var login = await device.LoginAsync(TestHost.Police, csrfHeader: false))
        {
            Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        }

        // None of that touched the session: the app's own request still works with the same cookie.
        var own = await device.RefreshAsync(cookie, origin: host.BaseAddress.GetLeftPart(UriPartial.Authority), fetchSite: "same-origin");
        Assert.Equal(HttpStatusCode.OK, own.Status);
    }

    [Fact]
    public async Task SignOut_EndsTheDeviceSession_AndDeletesTheCookie()
    {
        await using var host = await TestHost.StartAsync();
        var device = new DeviceBrowser(host);
        (await device.LoginAsync(TestHost.Police)).Dispose();
        var cookie = device.Cookie;

        using var logout = await device.SendAsync("/api/auth/device/logout", cookie);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DeviceCookie.Name + "=;", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, (await device.RefreshAsync(cookie)).Status);
        var session = await host.WithDbAsync(db => db.DeviceSessions.AsNoTracking().SingleAsync());
        Assert.Equal(DeviceEndReason.SignedOut, session.RevokedReason);
    }

    [Fact]
    public async Task DeactivatedPerson_CannotRefreshTheirDevice()
    {
        await using var host = await TestHost.StartAsync();
        var device = new DeviceBrowser(host);
        (await device.LoginAsync(TestHost.Police)).Dispose();
        Assert.Equal(HttpStatusCode.OK, (await device.RefreshAsync()).Status);

        await host.WithDbAsync(db => db.People.Where(p => p.Email == TestHost.Police).ExecuteUpdateAsync(u => u.SetProperty(p => p.Active, false)));

        Assert.Equal(HttpStatusCode.Unauthorized, (await device.RefreshAsync()).Status);
    }

    [Fact]
    public async Task V1TokenFlow_IsUnchanged_LoginAnswersARefreshToken_AndRefreshTakesIt()
    {
        await using var host = await TestHost.StartAsync();
        using var http = host.CreateHttp();
        using var login = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Police, TestHost.DemoPassword));
        Assert.False(login.Headers.Contains("Set-Cookie"));
        var tokens = await login.Content.ReadFromJsonAsync<TokenResponse>();
        Assert.Equal("Bearer", tokens!.TokenType);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));

        using var refresh = await http.PostAsJsonAsync("/api/auth/refresh", new RefreshRequest(tokens.RefreshToken));
        var renewed = await refresh.Content.ReadFromJsonAsync<TokenResponse>();
        Assert.False(string.IsNullOrEmpty(renewed!.RefreshToken));
        var client = new AlertHubClient(host.CreateHttp());
        client.UseToken(renewed.AccessToken);
        Assert.Empty(await client.ListAlertsAsync());
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36", "Chrome op Android")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari op iPhone")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge op Windows")]
    [InlineData(null, "Onbekend apparaat")]
    public void DeviceName_FromUserAgent_IsShortAndVersionFree(string? userAgent, string expected) =>
        Assert.Equal(expected, DeviceNames.FromUserAgent(userAgent));

    private static HttpClient Bearer(TestHost host, string token)
    {
        var http = host.CreateHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task AnAdminEndsEverySessionOfAPerson_DevicesPasswordTokensAndLiveConnectionsStop_SigningInAgainWorks()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:RecheckConnectionsEvery"] = "00:00:00.500" });
        var device = new DeviceBrowser(host);
        Assert.Equal(HttpStatusCode.OK, (await device.LoginAsync(TestHost.Police)).StatusCode);
        using var http = host.CreateHttp();
        using var signIn = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Police, TestHost.DemoPassword));
        var tokens = (await signIn.Content.ReadFromJsonAsync<TokenResponse>(AlertHubJson.Options))!;
        var listener = await host.ListenAsync(TestHost.Police);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        var policeId = (await listener.Client.GetMeAsync()).PersonId;
        async Task<HttpStatusCode> MeWith(string accessToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", accessToken) } };
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await MeWith(tokens.AccessToken));

        // Only an admin may; the person themselves cannot end someone else's sessions.
        using (var refused = await listener.Client.Http.PostAsync($"/api/admin/people/{policeId}/end-sessions", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        var admin = await host.LoginAsync(TestHost.Admin);
        using (var ended = await admin.Http.PostAsync($"/api/admin/people/{policeId}/end-sessions", null))
        {
            Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
            Assert.Equal(1, (await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("devicesEnded").GetInt32());
        }

        // The access token already issued stops at once (a cached stamp lives 3 s), the refresh token and the device too.
        await Eventually.TrueAsync(async () => await MeWith(tokens.AccessToken) == HttpStatusCode.Unauthorized, "the old access token refused", TimeSpan.FromSeconds(10));
        using (var refresh = await http.PostAsJsonAsync("/api/auth/refresh", new RefreshRequest(tokens.RefreshToken)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await device.RefreshAsync()).Status);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));

        var adminId = (await admin.GetMeAsync()).PersonId;
        Assert.True(await host.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Action == "person.sessions_ended" && e.SubjectId == policeId && e.ActorId == adminId)));
        // A fresh sign-in is a new session.
        Assert.Equal(policeId, (await (await host.LoginAsync(TestHost.Police)).GetMeAsync()).PersonId);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.PostAsync($"/api/admin/people/{Guid.NewGuid()}/end-sessions", null)).StatusCode);
    }

    /// <summary>The web app's side of the cookie flow, with the cookie kept by hand so a test can replay an old one.</summary>
    private sealed class DeviceBrowser(TestHost host)
    {
        private readonly HttpClient _http = host.CreateHttp(new SocketsHttpHandler { UseCookies = false });

        public string? Cookie { get; private set; }

        public async Task<HttpResponseMessage> LoginAsync(string email, bool csrfHeader = true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/device/login")
            {
                Content = JsonContent.Create(new { email, password = TestHost.DemoPassword }),
            };
            request.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36");
            if (csrfHeader)
            {
                request.Headers.Add(DeviceCookie.CsrfHeader, "1");
            }
            var response = await _http.SendAsync(request);
            Keep(response);
            return response;
        }

        public async Task<RefreshResult> RefreshAsync(string? cookie = null, bool csrfHeader = true, string? origin = null, string? fetchSite = null)
        {
            using var response = await SendAsync("/api/auth/device/refresh", cookie ?? Cookie, csrfHeader, origin, fetchSite);
            var body = response.Content.Headers.ContentLength == 0 ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new RefreshResult(response.StatusCode, null, Guid.Empty, body);
            }
            Keep(response);
            return new RefreshResult(response.StatusCode, body.GetProperty("accessToken").GetString(), body.GetProperty("deviceSessionId").GetGuid(), body);
        }

        public Task<HttpResponseMessage> SendAsync(string path, string? cookie, bool csrfHeader = true, string? origin = null, string? fetchSite = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path);
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", $"{DeviceCookie.Name}={cookie}");
            }
            if (csrfHeader)
            {
                request.Headers.Add(DeviceCookie.CsrfHeader, "1");
            }
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }
            if (fetchSite is not null)
            {
                request.Headers.Add("Sec-Fetch-Site", fetchSite);
            }
            return _http.SendAsync(request);
        }

        private void Keep(HttpResponseMessage response)
        {
            if (response.Headers.TryGetValues("Set-Cookie", out var values)
                && values.FirstOrDefault(v => v.StartsWith(DeviceCookie.Name + "=", StringComparison.Ordinal)) is { } set)
            {
                Cookie = Uri.UnescapeDataString(set[(DeviceCookie.Name.Length + 1)..].Split(';')[0]);
            }
        }
    }

    private sealed record RefreshResult(HttpStatusCode Status, string? AccessToken, Guid DeviceSessionId, JsonElement Problem);
}
