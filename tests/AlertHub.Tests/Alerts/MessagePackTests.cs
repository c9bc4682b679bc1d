using AlertHub.Client;
using AlertHub.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using System.Text.Json;
using Xunit.Abstractions;
using System.Text.Json.Nodes;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Alerts;

/// <summary>
/// Issue 16: the hub speaks MessagePack next to JSON. A client that asks for it gets the same alert (names, enums,
/// times, recipients), confirms receipt and answers; a JSON client on the same hub is served as before.
/// </summary>
public sealed class MessagePackTests(ITestOutputHelper output)
{
    [Fact]
    public void APackedAlert_HasTheContractsJsonShape_NamesEnumStringsAndTimes()
    {
        var alert = SampleAlert(recipients: 3);
        var packed = MessagePackSerializer.Serialize(alert, AlertHubMessagePack.Options);
        var unpacked = JsonNode.Parse(MessagePackSerializer.ConvertToJson(packed));
        var json = JsonNode.Parse(JsonSerializer.Serialize(alert, AlertHubJson.Options));
        Assert.True(JsonNode.DeepEquals(json, unpacked), $"json {json}\nmsgpack {unpacked}");
        // What the web app reads: camelCase, snake_case enums, ISO times as strings.
        Assert.Equal("on_my_way", (string?)unpacked!["recipients"]![0]!["response"]);
        Assert.Equal("2026-11-22T12:00:00Z", (string?)unpacked["raisedAt"]);
        Assert.Equal(alert, MessagePackSerializer.Deserialize<AlertDto>(packed, AlertHubMessagePack.Options) with
        {
            Recipients = alert.Recipients, Updates = alert.Updates,
        });

        // How long a large alert takes to pack (printed, not asserted: speed belongs in the benchmark).
        var large = SampleAlert(recipients: 2000);
        var bytes = MessagePackSerializer.Serialize(large, AlertHubMessagePack.Options).Length;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            MessagePackSerializer.Serialize(large, AlertHubMessagePack.Options);
        }
        var packing = clock.Elapsed.TotalMilliseconds / 20;
        clock.Restart();
        for (var i = 0; i < 20; i++)
        {
            JsonSerializer.SerializeToUtf8Bytes(large, AlertHubJson.Options);
        }
        output.WriteLine($"2000 recipients: {bytes} bytes packed, {JsonSerializer.SerializeToUtf8Bytes(large, AlertHubJson.Options).Length} as JSON; "
            + $"{packing:F2} ms per pack, {clock.Elapsed.TotalMilliseconds / 20:F2} ms for the JSON alone");
    }

    [Fact]
    public void AnAnswerSentPacked_IsReadAsTheContractsEnum_AndAnUnknownOneIsRefused()
    {
        var packed = MessagePackSerializer.Serialize("on_scene", AlertHubMessagePack.Options);
        Assert.Equal(AckResponse.OnScene, MessagePackSerializer.Deserialize<AckResponse>(packed, AlertHubMessagePack.Options));
        var unknown = MessagePackSerializer.Serialize("te_voet", AlertHubMessagePack.Options);
        Assert.ThrowsAny<Exception>(() => MessagePackSerializer.Deserialize<AckResponse>(unknown, AlertHubMessagePack.Options));
    }

    private static AlertDto SampleAlert(int recipients) => new(
        Guid.NewGuid(), 42, "zaanstreek", "demo-college-zaandam", "Demo College Zaandam", AlertKind.Weapon, "Groep", AlertStatus.Open,
        "Sanne", new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), true,
        Enumerable.Range(0, recipients).Select(i => new RecipientDto(Guid.NewGuid(), $"Partner {i}", "Politie", Discipline.Police,
            DeliveryState.Received, i % 2 == 0 ? AckResponse.OnMyWay : null, i % 2 == 0 ? new DateTimeOffset(2026, 11, 22, 12, 0, 5, 120, TimeSpan.Zero) : null,
            new DateTimeOffset(2026, 11, 22, 12, 0, 1, TimeSpan.Zero))).ToList(),
        [new AlertUpdateDto(new DateTimeOffset(2026, 11, 22, 12, 1, 0, TimeSpan.Zero), "Sanne", "Politie ter plaatse")],
        null, Version: 3, Drill: false);

    [Fact]
    public async Task AMessagePackClient_GetsTheWholeAlert_ConfirmsAndAnswers_NextToAJsonClient()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.LoginAsync(TestHost.Police);
        var raised = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var packed = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, HubNames.Path), o => o.AccessTokenProvider = () => Task.FromResult(police.AccessToken))
            .AddMessagePackProtocol(o => o.SerializerOptions = AlertHubMessagePack.Options)
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
