using System.Net.Http.Json;
using System.Collections.Concurrent;
using AlertHub.Client;
using AlertClient.Tests.Support;

using AlertHub.Testing;

namespace AlertClient.Tests;

public sealed class RaiseRetryTests
{
    [Fact]
    public async Task Raise_RetriedAfterDroppedResponse_CreatesOneAlert_AndReturnsIt()
    {
        await using var host = await TestHost.StartAsync();
        var dropper = new DropFirstRaiseResponse(new SocketsHttpHandler());
        var coordinator = new AlertHubClient(host.CreateHttp(dropper)) { RaiseRetryDelay = TimeSpan.FromMilliseconds(10) };
        await coordinator.LoginAsync(TestHost.Coordinator, TestHost.DemoPassword);

        var alert = await coordinator.RaiseAsync(new RaiseAlertRequest(Note: "antwoord kwijt"));

        Assert.Equal(2, dropper.RaiseKeys.Count);
        Assert.Single(dropper.RaiseKeys.Distinct());
        Assert.Equal(dropper.DroppedAlertId, alert.Id);
        Assert.Single(await coordinator.ListAlertsAsync(status: null));
    }

    [Fact]
    public async Task Raise_RefusedByTheHub_IsNotRetried()
    {
        await using var host = await TestHost.StartAsync();
        var counter = new DropFirstRaiseResponse(new SocketsHttpHandler()) { Drop = false };
        var police = new AlertHubClient(host.CreateHttp(counter));
        await police.LoginAsync(TestHost.Police, TestHost.DemoPassword);

        var refused = await Assert.ThrowsAsync<AlertHubException>(() => police.RaiseAsync());

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Single(counter.RaiseKeys);
    }

    /// <summary>Lets the first raise reach the hub and be stored, then loses its response as a broken connection would.</summary>
    private sealed class DropFirstRaiseResponse(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public bool Drop { get; init; } = true;
        public ConcurrentQueue<string> RaiseKeys { get; } = new();
        public Guid? DroppedAlertId { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var isRaise = request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/api/alerts";
            if (isRaise)
            {
                RaiseKeys.Enqueue(request.Headers.GetValues("Idempotency-Key").Single());
            }
            var response = await base.SendAsync(request, ct);
            if (Drop && isRaise && RaiseKeys.Count == 1)
            {
                var stored = await response.Content.ReadFromJsonAsync<AlertDto>(AlertHubJson.Options, ct);
                DroppedAlertId = stored!.Id;
                response.Dispose();
                throw new HttpRequestException("The connection was reset before the response arrived.");
            }
            return response;
        }
    }
}
