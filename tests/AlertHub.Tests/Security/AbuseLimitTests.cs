using System.Net;
using System.Net.Http.Json;
using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace AlertHub.Tests.Security;

public sealed class AbuseLimitTests
{
    [Fact]
    public async Task RaisingOverTheLimit_Gets429WithRetryAfter_AndOtherCoordinatorsAreUnaffected()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:RaisePerMinute"] = "3" });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        for (var i = 0; i < 3; i++)
        {
            await coordinator.RaiseAsync(idempotencyKey: $"ok-{i}");
        }
        using var refused = await coordinator.Http.PostAsync("/api/alerts", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        var other = await host.LoginAsync(TestHost.Coordinator2);
        Assert.Equal(AlertStatus.Open, (await other.RaiseAsync()).Status);
        Assert.Equal(4, (await other.ListAlertsAsync(status: null)).Count);
    }

    [Fact]
    public async Task AVolleyOfRaises_OnlyTheBurstGetsThrough_RepeatsStillAnswer_AndTheWindowFreesIt()
    {
        Assert.Equal(5, new AlertHub.Infrastructure.Security.SecurityOptions().RaiseBurst); // the default this test uses
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time, settings: new Dictionary<string, string?>
        {
            ["Security:RaiseBurst"] = "5", ["Security:RaisePerMinute"] = "1000",
            ["Alerts:SmsFallbackAfter"] = "01:00:00", ["Alerts:EscalateAfter"] = "01:00:00",
        });
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        // A stolen token firing 40 raises at once: 5 alerts, 35 refusals in Dutch with Retry-After.
        var volley = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Headers = { { "Idempotency-Key", $"volley-{i}" } } };
            using var response = await coordinator.Http.SendAsync(request);
            return (i, response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Body: await response.Content.ReadAsStringAsync());
        }));
        Assert.Equal(5, volley.Count(v => v.StatusCode == HttpStatusCode.Created));
        var refused = volley.Where(v => v.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(35, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
            Assert.InRange(r.RetryAfter!.Value.TotalSeconds, 1, 10);
            Assert.Contains("al 5 meldingen gemaakt", r.Body, StringComparison.Ordinal);
            Assert.Contains("112", r.Body, StringComparison.Ordinal);
        });
        Assert.Equal(5, (await coordinator.ListAlertsAsync(status: null)).Count);

        // A retry of a tap that got through is no new alert: it still answers with that alert.
        var first = volley.First(v => v.StatusCode == HttpStatusCode.Created).i;
        using (var repeat = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Headers = { { "Idempotency-Key", $"volley-{first}" } } })
        using (var answer = await coordinator.Http.SendAsync(repeat))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        // Another coordinator is not held up by it.
        Assert.Equal(AlertStatus.Open, (await (await host.LoginAsync(TestHost.Coordinator2)).RaiseAsync()).Status);

        await time.AdvanceAsync(TimeSpan.FromSeconds(11));
        Assert.Equal(AlertStatus.Open, (await coordinator.RaiseAsync(idempotencyKey: "after-the-window")).Status);
    }

    [Fact]
    public async Task LoginAttemptsOverTheLimit_Get429WithRetryAfter()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:LoginPerMinute"] = "3" });
        using var http = host.CreateHttp();
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Police, "nope-" + i));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var limited = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Police, TestHost.DemoPassword));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount_EvenForTheRightPassword()
    {
        await using var host = await TestHost.StartAsync();
        using var http = host.CreateHttp();
        for (var i = 0; i < 5; i++)
        {
            await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Enforcement, "wrong-" + i));
        }
        using var locked = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(TestHost.Enforcement, TestHost.DemoPassword));
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Contains("geblokkeerd", await locked.Content.ReadAsStringAsync());
        Assert.NotNull(await host.LoginAsync(TestHost.Police)); // others unaffected
    }

    [Fact]
    public async Task HubInvocationFlood_IsRefused_WhileOtherConnectionsWork()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Security:HubInvocationsPerSecond"] = "5" });
        var flooder = await host.ListenAsync(TestHost.Police);
        var calm = await host.ListenAsync(TestHost.YouthWork);

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            try
            {
                await flooder.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L);
                return true;
            }
            catch (HubException e) when (e.Message.Contains("Te veel", StringComparison.Ordinal))
            {
                return false;
            }
        }));
        Assert.Contains(false, results);
        Assert.Contains(true, results);
        Assert.Empty(await calm.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L));
    }

    [Fact]
    public async Task OversizedBodies_Get413_AndOversizedHubMessagesCloseTheConnection()
    {
        await using var host = await TestHost.StartAsync();
        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        using var oversized = new HttpRequestMessage(HttpMethod.Post, "/api/alerts")
        {
            Content = new StringContent("{\"note\":\"" + new string('x', 200_000) + "\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        oversized.Headers.ExpectContinue = true; // refused on the headers; no broken-pipe race while sending the body
        using var big = await coordinator.Http.SendAsync(oversized);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);

        var police = await host.ListenAsync(TestHost.Police);
        await Assert.ThrowsAnyAsync<Exception>(() => police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, Guid.NewGuid(), new string('x', 40_000)));
        Assert.Empty(await coordinator.ListAlertsAsync(status: null));
    }
}
