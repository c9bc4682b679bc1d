using System.Net.Http.Json;
using System.Text.Json;
using AlertHub.Testing;

namespace AlertHub.Tests.Hotline;

/// <summary>Issue 14: the coordinator learns the hotline is closed before the tap, with when it opens again.</summary>
[Trait("Category", "Clock")]
public sealed class HotlineApiTests
{
    [Fact]
    public async Task OpenByDay_ClosedAtNight_WithTheNextOpeningAndThe112Notice()
    {
        var time = TestClock.Fake(); // 10:00 in Amsterdam on the test day
        await using var host = await TestHost.StartAsync(time: time);
        using var coordinator = await host.ApiAsync(TestHost.Coordinator);

        var day = await coordinator.GetFromJsonAsync<JsonElement>("/api/hotline");
        Assert.True(day.GetProperty("open").GetBoolean());
        Assert.Equal(("07:00", "19:00"), (day.GetProperty("opens").GetString(), day.GetProperty("closes").GetString()));
        Assert.Equal(JsonValueKind.Null, day.GetProperty("notice").ValueKind);

        time.SetUtcNow(TestClock.At(0, 21, 30));
        var night = await coordinator.GetFromJsonAsync<JsonElement>("/api/hotline");
        Assert.False(night.GetProperty("open").GetBoolean());
        Assert.Equal(TestClock.At(1, 7, 0), night.GetProperty("nextOpening").GetDateTimeOffset());
        Assert.Contains("112", night.GetProperty("notice").GetString());
    }
}
