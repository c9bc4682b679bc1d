using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace AlertHub.Tests.Accounts;

/// <summary>Tokens live in real time, whatever the host's clock says (SignalR checks their expiry on the system clock).</summary>
[Trait("Category", "Clock")]
public sealed class TokenClockTests
{
    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    public async Task HubConnection_StaysOpenAndReceives_WhenTheHostClockIsYearsFromTheRealDate(int years)
    {
        await using var host = await TestHost.StartAsync(time: TestClock.Fake(TestClock.Start.AddYears(years)));
        var police = await host.ListenAsync(TestHost.Police);
        var closed = new TaskCompletionSource();
        police.Connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };

        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync();
        await police.WaitForAsync(HubNames.AlertRaised, a => a.Id == alert.Id);
        // SignalR scans for expired connections every second: three scans must leave this one open.
        var first = await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(3.5)));
        Assert.NotSame(closed.Task, first);
        Assert.Equal(HubConnectionState.Connected, police.Connection.State);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    public async Task Refresh_Works_WhenTheHostClockIsYearsFromTheRealDate(int years)
    {
        await using var host = await TestHost.StartAsync(time: TestClock.Fake(TestClock.Start.AddYears(years)));
        var police = await host.LoginAsync(TestHost.Police);
        var first = police.AccessToken;

        await police.RefreshAsync();
        Assert.NotEqual(first, police.AccessToken);
        await using var hub = police.CreateHubConnection();
        await hub.StartAsync();
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }
}
