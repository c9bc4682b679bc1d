using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Alerts;

/// <summary>
/// Issue 16: the hub speaks MessagePack next to JSON. A client that asks for it gets the same alert (names, enums,
/// times, recipients), confirms receipt and answers; a JSON client on the same hub is served as before.
/// </summary>
public sealed class MessagePackTests
{
    [Fact]
    public async Task AMessagePackClient_GetsTheWholeAlert_ConfirmsAndAnswers_NextToAJsonClient()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.LoginAsync(TestHost.Police);
        var raised = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var packed = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, HubNames.Path), o => o.AccessTokenProvider = () => Task.FromResult(police.AccessToken))
            .AddMessagePackProtocol()
            .Build();
        packed.On<AlertDto>(HubNames.AlertRaised, alert => raised.TrySetResult(alert));
        await packed.StartAsync();
        var json = await host.ListenAsync(TestHost.YouthWork);

        var coordinator = await host.LoginAsync(TestHost.Coordinator);
        var sent = await coordinator.RaiseAsync(new RaiseAlertRequest(Kind: AlertKind.Weapon, Note: "Groep bij de fietsenstalling"));

        var got = await raised.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((sent.Id, sent.Sequence, AlertKind.Weapon, "Demo College Zaandam", "Sanne de Vries (demo)"), (got.Id, got.Sequence, got.Kind, got.SchoolName, got.RaisedBy));
        Assert.Equal(sent.RaisedAt, got.RaisedAt);
        Assert.Equal(sent.Recipients.Select(r => (r.PersonId, r.Discipline)), got.Recipients.Select(r => (r.PersonId, r.Discipline)));
        Assert.Equal(sent.Id, (await json.WaitForAsync(HubNames.AlertRaised, a => a.Id == sent.Id)).Id);

        await packed.InvokeAsync(HubNames.ConfirmReceipt, got.Id);
        var answered = await packed.InvokeAsync<AlertDto>(HubNames.Acknowledge, got.Id, AckResponse.OnMyWay);
        var mine = answered.Recipients.Single(r => r.Discipline == Discipline.Police);
        Assert.Equal(AckResponse.OnMyWay, mine.Response);
        Assert.NotNull(mine.ReceivedAt);
    }
}
