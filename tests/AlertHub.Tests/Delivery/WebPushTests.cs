using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Delivery.WebPush;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Tests.Delivery;

/// <summary>
/// CONTRACT v2 Web Push against <see cref="FakePushService"/>: a push service on loopback that verifies VAPID and
/// decrypts every push with the keys its "browsers" made, so what passes here is standard Web Push.
/// </summary>
public sealed class WebPushTests
{
    private const string PolicePhone = "+31600000001";
    private const string YouthWorkPhone = "+31600000002";

    [Fact]
    public async Task Raise_PushesEachSubscriptionOfEachRecipientOnce_WithoutNamesNoteOrPhone()
    {
        await using var push = await FakePushService.StartAsync();
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time, settings: push.HubSettings());
        var police = await host.ApiAsync(TestHost.Police);
        var youthWork = await host.ApiAsync(TestHost.YouthWork);
        var phone = push.NewSubscription();
        var laptop = push.NewSubscription();
        var youthPhone = push.NewSubscription();
        await SubscribeAsync(police, phone, HttpStatusCode.Created);
        await SubscribeAsync(police, laptop, HttpStatusCode.Created);
        await SubscribeAsync(youthWork, youthPhone, HttpStatusCode.Created);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        const string note = "Jan de Boer bedreigd bij de fietsenstalling";
        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: note));
        var pushes = await push.WaitForPushesAsync(3);
        await Task.Delay(500);

        Assert.Equal(3, push.Pushes.Count);
        Assert.Equal(new[] { laptop.Id, phone.Id, youthPhone.Id }.Order(), push.Pushes.Select(p => p.SubscriptionId).Order());
        var wireKind = JsonSerializer.SerializeToElement(alert, AlertHubJson.Options).GetProperty("kind").GetString();
        var schoolWords = alert.SchoolName.Split(' ');
        var names = (await host.WithDbAsync(db => db.People.Select(p => p.Name).ToListAsync()))
            .SelectMany(n => n.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length > 3 && w != "(demo)" && !schoolWords.Contains(w)).Distinct().ToList();
        Assert.NotEmpty(names);
        foreach (var delivered in pushes)
        {
            var p = delivered.Payload;
            Assert.Equal("alert", p.GetProperty("type").GetString());
            Assert.Equal(alert.Id, p.GetProperty("alertId").GetGuid());
            Assert.Equal(alert.Sequence, p.GetProperty("sequence").GetInt64());
            Assert.True(p.GetProperty("version").GetInt64() >= 1);
            Assert.Equal("Demo College Zaandam", p.GetProperty("schoolName").GetString());
            Assert.Equal(wireKind, p.GetProperty("kind").GetString());
            Assert.Equal(alert.RaisedAt, p.GetProperty("raisedAt").GetDateTimeOffset());
            Assert.EndsWith("Z", p.GetProperty("raisedAt").GetString());
            Assert.False(p.GetProperty("drill").GetBoolean());
            Assert.Equal($"/#/melding/{alert.Id}", p.GetProperty("url").GetString());
            Assert.False(p.TryGetProperty("repeat", out _));
            Assert.True(delivered.Ttl > 0);
            foreach (var secret in new[] { "Jan", "Boer", "fietsenstalling", PolicePhone, YouthWorkPhone, "+316" }.Concat(names))
            {
                Assert.DoesNotContain(secret, delivered.Json, StringComparison.OrdinalIgnoreCase);
            }
        }

        // Signed with the key the browsers subscribed with.
        var key = await police.GetFromJsonAsync<JsonElement>("/api/push/public-key");
        Assert.Equal(key.GetProperty("publicKey").GetString(), push.LastVapidKey);

        var view = await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Count(r => r.Delivery == DeliveryState.Pushed) == 2, what: "police and youth work pushed");
        Assert.Equal(DeliveryState.Pushed, view.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery);
        Assert.Equal(DeliveryState.Pushed, view.Recipients.Single(r => r.Discipline == Discipline.YouthWork).Delivery);
        Assert.DoesNotContain(view.Recipients, r => r.Delivery == DeliveryState.Pushed && r.Discipline is not (Discipline.Police or Discipline.YouthWork));
        Assert.True(view.Version > alert.Version);

        // A device receipt moves on from pushed; a later push never moves it back.
        var receipts = await host.ListenAsync(TestHost.Police);
        await receipts.Connection.InvokeAsync(HubNames.ConfirmReceipt, alert.Id);
        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Received, what: "police received");
    }

    [Fact]
    public async Task Gone_EndsTheSubscription_AndNothingMoreIsSentToIt()
    {
        await using var push = await FakePushService.StartAsync();
        await using var host = await TestHost.StartAsync(time: TestClock.Fake(), settings: push.HubSettings());
        var police = await host.ApiAsync(TestHost.Police);
        var old = push.NewSubscription();
        var current = push.NewSubscription();
        var oldId = await SubscribeAsync(police, old, HttpStatusCode.Created);
        await SubscribeAsync(police, current, HttpStatusCode.Created);
        push.End(old.Id, HttpStatusCode.Gone);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        await coordinator.RaiseAsync(idempotencyKey: "first");
        await push.WaitForPushesAsync(1);
        await Eventually.TrueAsync(() => host.WithDbAsync(db => db.PushSubscriptions.AllAsync(s => s.Id != oldId)), "gone subscription deleted");
        var mine = await police.GetFromJsonAsync<JsonElement>("/api/push/subscriptions");
        Assert.Equal([current.Endpoint], mine.EnumerateArray().Select(s => s.GetProperty("endpoint").GetString()));
        Assert.Equal(WebPushStatus.Gone, await host.WithDbAsync(db => db.WebPushMessages.Where(m => m.SubscriptionId == oldId).Select(m => m.Status).SingleAsync()));

        await coordinator.RaiseAsync(idempotencyKey: "second");
        await push.WaitForPushesAsync(2);
        await Task.Delay(500);
        Assert.Equal(2, push.PushesTo(current.Id).Count);
        Assert.Single(push.Attempts, a => a.SubscriptionId == old.Id);

        // 404 ends a subscription the same way.
        push.End(current.Id, HttpStatusCode.NotFound);
        await coordinator.RaiseAsync(idempotencyKey: "third");
        await Eventually.TrueAsync(async () => !await host.WithDbAsync(db => db.PushSubscriptions.AnyAsync()), "404 subscription deleted");
    }

    [Fact]
    public async Task TooManyRequestsAndServerError_AreRetried_ThenDeliveredOnce()
    {
        await using var push = await FakePushService.StartAsync();
        var time = TestClock.Fake();
        var settings = push.HubSettings();
        settings["Alerts:SmsFallbackAfter"] = "00:10:00"; // an SMS state would take over from pushed
        await using var host = await TestHost.StartAsync(time: time, settings: settings);
        var police = await host.ApiAsync(TestHost.Police);
        var busy = push.NewSubscription();
        var failing = push.NewSubscription();
        await SubscribeAsync(police, busy, HttpStatusCode.Created);
        await SubscribeAsync(police, failing, HttpStatusCode.Created);
        push.FailNext(busy.Id, HttpStatusCode.TooManyRequests, retryAfterSeconds: 30);
        push.FailNext(failing.Id, HttpStatusCode.InternalServerError);
        push.FailNext(failing.Id, HttpStatusCode.ServiceUnavailable);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        var alert = await coordinator.RaiseAsync();
        await Eventually.TrueAsync(() => push.Attempts.Count == 2, "first attempts");
        Assert.Empty(push.Pushes);
        Assert.Equal(DeliveryState.Pending, (await coordinator.GetAlertAsync(alert.Id)).Recipients.Single(r => r.Discipline == Discipline.Police).Delivery);

        // 5 s, then 10 s for the 5xx; the 429 waits the 30 s it was asked to. The clock moves a second at a time
        // until the 5xx subscription got its push (a slow machine schedules a retry late), never as far as 30 s.
        var advanced = TimeSpan.Zero;
        while (push.PushesTo(failing.Id).Count == 0 && advanced < TimeSpan.FromSeconds(25))
        {
            await time.AdvanceAsync(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await Task.Delay(150);
        }
        await push.WaitForPushesAsync(1);
        Assert.Equal([failing.Id], push.Pushes.Select(p => p.SubscriptionId));
        Assert.Single(push.Attempts, a => a.SubscriptionId == busy.Id);

        await time.AdvanceAsync(TimeSpan.FromSeconds(20));
        await push.WaitForPushesAsync(2);
        await time.AdvanceAsync(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));
        await Task.Delay(300);
        Assert.Single(push.PushesTo(busy.Id));
        Assert.Single(push.PushesTo(failing.Id));
        Assert.Equal(2, push.Attempts.Count(a => a.SubscriptionId == busy.Id));
        Assert.Equal(3, push.Attempts.Count(a => a.SubscriptionId == failing.Id));
        await Eventually.HoldsAsync(() => coordinator.GetAlertAsync(alert.Id),
            a => a.Recipients.Single(r => r.Discipline == Discipline.Police).Delivery == DeliveryState.Pushed, what: "police pushed");
    }

    [Fact]
    public async Task Subscribe_RefusesHostsNotAllowed_AndBindsAnEndpointToWhoeverSubscribedItLast()
    {
        await using var push = await FakePushService.StartAsync();
        await using var host = await TestHost.StartAsync(settings: push.HubSettings());
        var police = await host.ApiAsync(TestHost.Police);
        var browser = push.NewSubscription();

        foreach (var (endpoint, words) in new[]
        {
            ("https://evil.example/push/1", "niet toegestaan"),
            ("https://fcm.googleapis.com.evil.example/push/1", "niet toegestaan"),
            ("http://127.0.0.2:9/push/1", "niet toegestaan"),
            ("https://169.254.169.254/latest", "niet toegestaan"),
            ("ftp://127.0.0.1/push/1", "https"),
            ("/push/1", "https"),
        })
        {
            using var refused = await police.PostAsJsonAsync("/api/push/subscriptions",
                new { endpoint, expirationTime = (double?)null, keys = new { p256dh = browser.P256dh, auth = browser.Auth } });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            var message = problem.GetProperty("errors").GetProperty("endpoint")[0].GetString();
            Assert.Contains(words, message, StringComparison.OrdinalIgnoreCase);
        }
        using (var badKeys = await police.PostAsJsonAsync("/api/push/subscriptions",
            new { endpoint = browser.Endpoint, expirationTime = (double?)null, keys = new { p256dh = "AAAA", auth = "" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badKeys.StatusCode);
            var errors = (await badKeys.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty("keys.p256dh", out _));
            Assert.True(errors.TryGetProperty("keys.auth", out _));
        }
        using (var anonymous = await host.CreateHttp().GetAsync("/api/push/public-key"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var id = await SubscribeAsync(police, browser, HttpStatusCode.Created);
        Assert.Equal(id, await SubscribeAsync(police, browser, HttpStatusCode.OK));
        var youthWork = await host.ApiAsync(TestHost.YouthWork);
        Assert.Equal(id, await SubscribeAsync(youthWork, browser, HttpStatusCode.OK)); // signed in as someone else now
        Assert.Empty((await police.GetFromJsonAsync<JsonElement>("/api/push/subscriptions")).EnumerateArray());
        Assert.Single((await youthWork.GetFromJsonAsync<JsonElement>("/api/push/subscriptions")).EnumerateArray());

        using (var notTheirs = await police.DeleteAsync($"/api/push/subscriptions/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
        }
        using (var removed = await youthWork.DeleteAsync($"/api/push/subscriptions/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }
        using (var again = await youthWork.DeleteAsync($"/api/push/subscriptions/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
    }

    [Fact]
    public async Task PublicKey_IsA65BytePoint_TheSameOnTwoNodesSharingOneDatabase()
    {
        await using var push = await FakePushService.StartAsync();
        var directory = Directory.CreateTempSubdirectory("alerthub-push-two-").FullName;
        try
        {
            string first;
            await using (var a = await TestHost.StartAsync(directory, settings: push.HubSettings()))
            await using (var b = await TestHost.StartAsync(directory, settings: push.HubSettings()))
            {
                var clients = await Task.WhenAll(a.ApiAsync(TestHost.Police), b.ApiAsync(TestHost.YouthWork), b.ApiAsync(TestHost.Coordinator));
                // Both nodes find no key at the same moment: one stores its pair, the other reads it.
                var keys = await Task.WhenAll(clients.Select(c => c.GetFromJsonAsync<JsonElement>("/api/push/public-key")));
                first = keys[0].GetProperty("publicKey").GetString()!;
                Assert.All(keys, k => Assert.Equal(first, k.GetProperty("publicKey").GetString()));
                var point = Base64Url.TryDecode(first)!;
                Assert.Equal(65, point.Length);
                Assert.Equal(0x04, point[0]);
                Assert.Equal(1, await a.WithDbAsync(db => db.VapidKeys.CountAsync()));
            }
            await using (var restarted = await TestHost.StartAsync(directory, settings: push.HubSettings()))
            {
                var key = await (await restarted.ApiAsync(TestHost.Police)).GetFromJsonAsync<JsonElement>("/api/push/public-key");
                Assert.Equal(first, key.GetProperty("publicKey").GetString());
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TestHost.TryDelete(directory);
        }
    }

    [Fact]
    public async Task Repeats_StopWhenAnswered_AndAfterMaxRepeats()
    {
        await using var push = await FakePushService.StartAsync();
        var time = TestClock.Fake();
        var settings = push.HubSettings();
        settings["Push:RepeatEvery"] = "00:02:00";
        settings["Push:MaxRepeats"] = "3";
        await using var host = await TestHost.StartAsync(time: time, settings: settings);
        var policeApi = await host.ApiAsync(TestHost.Police);
        var youthApi = await host.ApiAsync(TestHost.YouthWork);
        var police = push.NewSubscription();
        var youthWork = push.NewSubscription();
        await SubscribeAsync(policeApi, police, HttpStatusCode.Created);
        await SubscribeAsync(youthApi, youthWork, HttpStatusCode.Created);
        var coordinator = await host.LoginAsync(TestHost.Coordinator);

        var alert = await coordinator.RaiseAsync();
        await push.WaitForPushesAsync(2);
        await (await host.LoginAsync(TestHost.Police)).AcknowledgeAsync(alert.Id, AckResponse.OnScene);

        await time.AdvanceAsync(TimeSpan.FromMinutes(2.1), TimeSpan.FromSeconds(10));
        await push.WaitForPushesAsync(3);
        var repeat = push.PushesTo(youthWork.Id).Last().Payload;
        Assert.Equal(1, repeat.GetProperty("repeat").GetInt32());
        Assert.True(repeat.GetProperty("renotify").GetBoolean());
        Assert.Equal(alert.Id, repeat.GetProperty("alertId").GetGuid());

        await time.AdvanceAsync(TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(20));
        await push.WaitForPushesAsync(5);
        await Task.Delay(500);
        Assert.Single(push.PushesTo(police.Id)); // answered: no repeats
        // The clock jumps 20 minutes in 20 s steps, so repeats 2 and 3 can be due together and arrive in either order.
        Assert.Equal([0, 1, 2, 3], push.PushesTo(youthWork.Id).Select(p => p.Payload.TryGetProperty("repeat", out var n) ? n.GetInt32() : 0).Order());
        Assert.Empty(push.Rejections);
    }

    [Fact]
    public async Task Escalation_PushesThePeopleItAdds_WithRenotify()
    {
        await using var push = await FakePushService.StartAsync();
        var time = TestClock.Fake();
        await using var host = await TestHost.StartAsync(time: time, settings: push.HubSettings());
        var backup = push.NewSubscription();
        await SubscribeAsync(await host.ApiAsync("politie.reserve@demo.alerthub.test"), backup, HttpStatusCode.Created);
        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        await Task.Delay(300);
        Assert.Empty(push.Attempts);

        await time.AdvanceAsync(TimeSpan.FromMinutes(5.2), TimeSpan.FromSeconds(10));
        var pushed = await push.WaitForPushesAsync(1);
        Assert.Equal(alert.Id, pushed[0].Payload.GetProperty("alertId").GetGuid());
        Assert.True(pushed[0].Payload.GetProperty("renotify").GetBoolean());
        Assert.False(pushed[0].Payload.TryGetProperty("repeat", out _));
    }

    [Theory]
    [InlineData("Push:Subject", "ops@example.nl", "Push:Subject 'ops@example.nl' must be a mailto: address or an https: URL")]
    [InlineData("Push:Subject", "http://example.nl/contact", "Push:Subject 'http://example.nl/contact' must be")]
    [InlineData("Push:AllowedHosts", "https://fcm.googleapis.com/", "Push:AllowedHosts entry 'https://fcm.googleapis.com/' is not a host name")]
    [InlineData("Push:AllowedHosts", "*", "Push:AllowedHosts entry '*' is not a host name")]
    [InlineData("Push:AllowedHosts", ",", "Push:AllowedHosts is empty")]
    [InlineData("Push:PublicKey", "BAAA", "Push:PublicKey and Push:PrivateKey go together")]
    [InlineData("Push:MaxRepeats", "-1", "Push:MaxRepeats -1 must be between 0 and 20")]
    public async Task BadPushSettings_RefuseToStart_NamingTheSetting(string key, string value, string expected)
    {
        var refused = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            TestHost.StartAsync(settings: new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredKeys_AreChecked_AndUsed()
    {
        var (publicKey, privateKey) = VapidKeyPair.Generate();
        var (otherPublic, _) = VapidKeyPair.Generate();
        var mismatch = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestHost.StartAsync(
            settings: new Dictionary<string, string?> { ["Push:PublicKey"] = otherPublic, ["Push:PrivateKey"] = privateKey }));
        Assert.Contains("Push:PublicKey does not belong to Push:PrivateKey", mismatch.Message, StringComparison.Ordinal);

        await using var push = await FakePushService.StartAsync();
        var settings = push.HubSettings();
        settings["Push:PublicKey"] = publicKey;
        settings["Push:PrivateKey"] = privateKey;
        await using var host = await TestHost.StartAsync(time: TestClock.Fake(), settings: settings);
        var police = await host.ApiAsync(TestHost.Police);
        Assert.Equal(publicKey, (await police.GetFromJsonAsync<JsonElement>("/api/push/public-key")).GetProperty("publicKey").GetString());
        await SubscribeAsync(police, push.NewSubscription(), HttpStatusCode.Created);
        await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        await push.WaitForPushesAsync(1);
        Assert.Equal(publicKey, push.LastVapidKey);
        Assert.Equal(0, await host.WithDbAsync(db => db.VapidKeys.CountAsync()));
    }

    [Fact]
    public async Task EndingADevice_RemovesItsPushSubscriptions_AndOnlyThose()
    {
        await using var push = await FakePushService.StartAsync();
        await using var host = await TestHost.StartAsync(settings: push.HubSettings());
        using var phone = host.CreateHttp();
        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/auth/device/login")
        {
            Content = JsonContent.Create(new { email = TestHost.Police, password = TestHost.DemoPassword }),
        };
        login.Headers.Add(AlertHub.Accounts.DeviceCookie.CsrfHeader, "1");
        using var signedIn = await phone.SendAsync(login);
        signedIn.EnsureSuccessStatusCode();
        var device = await signedIn.Content.ReadFromJsonAsync<JsonElement>();
        phone.DefaultRequestHeaders.Authorization = new("Bearer", device.GetProperty("accessToken").GetString());
        await SubscribeAsync(phone, push.NewSubscription(), HttpStatusCode.Created);
        using var laptop = await host.ApiAsync(TestHost.Police); // another sign-in, not that device
        await SubscribeAsync(laptop, push.NewSubscription(), HttpStatusCode.Created);

        (await laptop.DeleteAsync($"/api/auth/devices/{device.GetProperty("deviceSessionId").GetGuid()}")).EnsureSuccessStatusCode();
        var left = await host.WithDbAsync(db => db.PushSubscriptions.Select(x => x.DeviceSessionId).ToListAsync());
        Assert.Equal([null], left);
    }

    private static async Task<Guid> SubscribeAsync(HttpClient api, BrowserSubscription browser, HttpStatusCode expected)
    {
        using var response = await api.PostAsJsonAsync("/api/push/subscriptions", browser.ToJson());
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
