using AlertHub.Client;
using AlertHub.Infrastructure.Security;
using AlertHub.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Security;

/// <summary>
/// A browser's hub connection brings its token in the query string, and the WebSocket request lives as long as the
/// connection. Once the token is taken the request no longer holds it (Accounts/HubTokenQuery), and the connection
/// works as before, other query parameters included.
/// </summary>
public sealed class HubTokenQueryTests
{
    [Fact]
    public async Task TokenInTheQuery_IsTakenAndForgotten_TheConnectionStillHearsAlerts()
    {
        await using var host = await TestHost.StartAsync();
        var police = await host.LoginAsync(TestHost.Police);
        var token = police.AccessToken!;
        // As the JavaScript client does in a browser: the token as ?access_token=…, next to the app's own parameter.
        var url = new Uri(host.BaseAddress, $"/hubs/alerts?{HubNames.DeltasParameter}=1&access_token={Uri.EscapeDataString(token)}");
        await using var connection = new HubConnectionBuilder()
            .WithUrl(url, HttpTransportType.WebSockets)
            .AddJsonProtocol(options => AlertHubJson.Configure(options.PayloadSerializerOptions))
            .Build();
        var heard = new TaskCompletionSource<AlertDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<AlertDto>(HubNames.AlertRaised, alert => heard.TrySetResult(alert));
        await connection.StartAsync();

        var registry = host.Services.GetRequiredService<ConnectionRegistry>();
        // The hub answers the handshake before its connect filters ran: the registry has the connection a moment later.
        var live = (await Eventually.HoldsAsync(
            () => Task.FromResult(registry.Snapshot().SingleOrDefault(c => c.Context.ConnectionId == connection.ConnectionId)),
            c => c is not null, what: "the connection in the registry"))!;
        var request = live.Context.GetHttpContext()!.Request;
        Assert.False(request.Query.ContainsKey("access_token"));
        Assert.DoesNotContain(token, request.QueryString.Value ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain("access_token", request.HttpContext.Features.Get<IHttpRequestFeature>()!.RawTarget, StringComparison.Ordinal);
        // What else the client asked for stays.
        Assert.Equal("1", request.Query[HubNames.DeltasParameter].ToString());
        Assert.Equal(live.PersonId.ToString(), request.HttpContext.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value);

        var alert = await (await host.LoginAsync(TestHost.Coordinator)).RaiseAsync(new RaiseAlertRequest(Note: "token vergeten"));
        Assert.Equal(alert.Id, (await heard.Task.WaitAsync(TimeSpan.FromSeconds(10))).Id);
    }
}
