using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Testing;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Security;

/// <summary>Every endpoint that takes JSON, fed garbage: a 4xx problem, never a 500, and nothing written.</summary>
public sealed partial class BadInputSuiteTests : IAsyncLifetime
{
    private TestHost _host = null!;
    private AlertDto _alert = null!;
    private readonly Dictionary<string, AlertHubClient> _callers = [];

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        _callers["/api/admin"] = await _host.LoginAsync(TestHost.Admin);
        _callers["/api/evaluations"] = await _host.LoginAsync(TestHost.TeamLead);
        _callers["/api/alerts"] = await _host.LoginAsync(TestHost.Coordinator);
        _callers["/api/me"] = _callers["/api/alerts"];
        _callers["/api/auth"] = new AlertHubClient(_host.CreateHttp());
        _callers["/api/push"] = await _host.LoginAsync(TestHost.Police);
        _callers["/api/readiness"] = _callers["/api/push"];
        _alert = await _callers["/api/alerts"].RaiseAsync();
        await (await _host.LoginAsync(TestHost.Police)).AcknowledgeAsync(_alert.Id, AckResponse.Seen);
        // A partner system with every scope, on its client token.
        var client = await Partners.PartnerHttp.CreateClientAsync(_callers["/api/admin"].Http, "politie-zaanstreek",
            [.. AlertHub.Partners.ApiScopes.All.Keys]);
        var partner = await Partners.PartnerHttp.PartnerAsync(_host, client);
        _callers["/api/partner"] = new AlertHubClient(partner);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string, string> Garbage() => new()
    {
        { "malformed JSON", "application/json", """{"note": "x" """ },
        { "not JSON at all", "application/json", "<xml/>" },
        { "wrong types", "application/json", """{"note":[1,2],"name":{"a":1},"response":42,"text":true,"wentWell":7,"email":3,"regionId":false}""" },
        { "invalid enums", "application/json", """{"kind":"bomb","response":"maybe","role":"king","discipline":"wizard"}""" },
        { "control characters", "application/json", """{"note":"a\u0000b","text":"a\u0007b","name":"x\u0001y","wentWell":"\u001b[31m","outcome":"\u0008"}""" },
        { "right-to-left override", "application/json", """{"note":"\u202Egnp.exe","text":"\u202Eabc","name":"Jan \u202Eesnaj","wentWell":"\u2067x\u2069","outcome":"\u202Dx"}""" },
        { "very long strings", "application/json", "{\"note\":\"" + new string('a', 20_000) + "\",\"text\":\"" + new string('b', 20_000) + "\",\"name\":\"" + new string('c', 20_000) + "\",\"wentWell\":\"" + new string('d', 20_000) + "\"}" },
        { "oversized body", "application/json", "{\"note\":\"" + new string('x', 300_000) + "\"}" },
        { "wrong content type", "text/plain", """{"note":"x"}""" },
        { "JSON array instead of object", "application/json", "[1,2,3]" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task EveryJsonEndpoint_RefusesGarbage_WithAProblem_NeverA500_AndWritesNothing(string what, string contentType, string body)
    {
        var before = await CountsAsync();
        var endpoints = JsonEndpoints();
        Assert.True(endpoints.Count >= 15, $"only {endpoints.Count} JSON endpoints found");
        foreach (var (method, pattern) in endpoints)
        {
            var caller = _callers.First(c => pattern.StartsWith(c.Key, StringComparison.Ordinal)).Value;
            using var request = new HttpRequestMessage(new HttpMethod(method), Path(pattern)) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            request.Headers.ExpectContinue = true; // an oversized body is refused on its headers, not mid-upload
            using var response = await caller.Http.SendAsync(request);
            var status = (int)response.StatusCode;
            Assert.True(status is >= 400 and < 500 and not 404 || (status == 404 && pattern.Contains('{', StringComparison.Ordinal)),
                $"{what}: {method} {pattern} answered {status}: {await response.Content.ReadAsStringAsync()}");
            if (status != 404 && status != 403 && response.Content.Headers.ContentLength != 0)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task HubMethods_RefuseGarbageArguments_AndWriteNothing()
    {
        var before = await CountsAsync();
        var police = await _host.ListenAsync(TestHost.Police);
        await Assert.ThrowsAnyAsync<Exception>(() => police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, _alert.Id, "maybe"));
        await Assert.ThrowsAnyAsync<Exception>(() => police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, "not-a-guid", "seen"));
        await Assert.ThrowsAnyAsync<Exception>(() => police.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, _alert.Id, 42));
        await Assert.ThrowsAsync<HubException>(() => police.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, -5L));
        await Assert.ThrowsAnyAsync<Exception>(() => police.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, "\u202E12"));
        await Assert.ThrowsAnyAsync<Exception>(() => police.Connection.InvokeAsync(HubNames.ConfirmReceipt, new string('x', 20_000)));
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task ControlAndBidiCharacters_AreRefusedInNotes_PlainAccentsAndLineBreaksAreFine()
    {
        var coordinator = _callers["/api/alerts"];
        using var bidi = await coordinator.Http.PostAsJsonAsync($"/api/alerts/{_alert.Id}/updates", new { text = "Leerling \u202Etxt.exe" });
        Assert.Equal(HttpStatusCode.BadRequest, bidi.StatusCode);
        var ok = await coordinator.PostUpdateAsync(_alert.Id, "Coördinatie met de école:\nalles rustig — één update");
        Assert.Contains(ok.Updates, u => u.Text.StartsWith("Coördinatie", StringComparison.Ordinal));
    }

    private List<(string Method, string Pattern)> JsonEndpoints() =>
        _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.Contains("application/json") == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, e.RoutePattern.RawText!)))
            .Where(e => e.m is "POST" or "PUT")
            .ToList();

    private string Path(string pattern) => RouteParameter().Replace(pattern, match =>
        pattern.StartsWith("/api/evaluations", StringComparison.Ordinal) ? _alert.EvaluationId!.Value.ToString()
        : pattern.StartsWith("/api/alerts", StringComparison.Ordinal) ? _alert.Id.ToString()
        : match.Value.Contains("guid", StringComparison.Ordinal) ? Guid.CreateVersion7().ToString()
        : "zaanstreek");

    private async Task<string> CountsAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        return string.Join(",", await db.Alerts.CountAsync(), await db.AlertUpdates.CountAsync(), await db.Acknowledgements.CountAsync(),
            await db.People.CountAsync(), await db.Regions.CountAsync(), await db.Schools.CountAsync(), await db.Organisations.CountAsync(),
            await db.RosterEntries.CountAsync(), await db.EvaluationInputs.CountAsync(), await db.ActionItems.CountAsync(),
            await db.Users.CountAsync(), await db.Evaluations.CountAsync(e => e.Status != EvaluationStatus.Open),
            await db.Alerts.CountAsync(a => a.Status != AlertStatus.Open), await db.PushSubscriptions.CountAsync());
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
