using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AlertHub.Client;
using AlertHub.Infrastructure.Security;
using AlertHub.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AlertHub.Tests.Security;

/// <summary>Walks every mapped endpoint, so a new one cannot slip in without authorization.</summary>
public sealed partial class AuthorizationMatrixTests : IAsyncLifetime
{
    // Endpoints that are anonymous on purpose; anything else that allows anonymous access fails the test.
    private static readonly string[] PublicEndpoints =
    [
        "POST /api/auth/login", "POST /api/auth/refresh", "POST /api/auth/token", "GET /health/live",
        // The device cookie flow (R13): the cookie is the credential, and these three refuse other origins.
        "POST /api/auth/device/login", "POST /api/auth/device/refresh", "POST /api/auth/device/logout", "GET /health/ready", "GET /openapi/{documentName}.json",
        "POST /webhooks/twilio/status", "POST /webhooks/twilio/sms", "GET /m/{code}",
    ];

    private TestHost _host = null!;
    private AlertDto _alert = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        var coordinator = await _host.LoginAsync(TestHost.Coordinator);
        _alert = await coordinator.RaiseAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task EveryApiEndpoint_NeedsASignedInUser_UnlessItIsPublicOnPurpose()
    {
        var endpoints = ApiEndpoints();
        Assert.True(endpoints.Count > 40, $"only {endpoints.Count} endpoints found");
        using var anonymous = _host.CreateHttp();
        foreach (var (method, pattern, endpoint) in endpoints)
        {
            var name = $"{method} {pattern}";
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                Assert.Contains(name, PublicEndpoints);
                continue;
            }
            using var response = await anonymous.SendAsync(Request(method, pattern));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name} answered {(int)response.StatusCode} to an anonymous caller");
        }
    }

    [Fact]
    public async Task RefusalsOfTheAuthorizationLayer_AreInDutch_NotTheEnglishReasonPhrase()
    {
        using var anonymous = _host.CreateHttp();
        using var unauthorized = await anonymous.GetAsync("/api/alerts");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal("Niet ingelogd", (await unauthorized.ProblemAsync()).GetProperty("title").GetString());

        var partner = await _host.LoginAsync(TestHost.Police);
        using var forbidden = await partner.Http.GetAsync("/api/admin/regions");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var problem = await forbidden.ProblemAsync();
        Assert.Equal("Niet toegestaan", problem.GetProperty("title").GetString());
        Assert.Equal("Dit account of deze rol mag dit niet.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task EveryRoleRestrictedEndpoint_RefusesOtherRolesWith403()
    {
        var users = new Dictionary<string, AlertHubClient>
        {
            [nameof(PersonRole.Coordinator)] = await _host.LoginAsync(TestHost.Coordinator),
            [nameof(PersonRole.Partner)] = await _host.LoginAsync(TestHost.Police),
            [nameof(PersonRole.TeamLead)] = await _host.LoginAsync(TestHost.TeamLead),
            [nameof(PersonRole.Admin)] = await _host.LoginAsync(TestHost.Admin),
        };
        var checkedCount = 0;
        foreach (var (method, pattern, endpoint) in ApiEndpoints())
        {
            var allowed = endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>()
                .SelectMany(p => p.Requirements.OfType<RolesAuthorizationRequirement>())
                .SelectMany(r => r.AllowedRoles).ToHashSet();
            if (allowed.Count == 0)
            {
                continue;
            }
            foreach (var (role, client) in users.Where(u => !allowed.Contains(u.Key)))
            {
                using var response = await client.Http.SendAsync(Request(method, pattern));
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {pattern} as {role}: {(int)response.StatusCode}");
                checkedCount++;
            }
        }
        Assert.True(checkedCount > 30, $"only {checkedCount} role checks");
    }

    /// <summary>
    /// STYLE 18: every message that declares its roles refuses every other role, whichever way it arrives (the API
    /// and the hub send the same messages): sent straight to the mediator with nothing else filled in, the refusal
    /// comes before any input or id is looked at, with the message's own Dutch reason.
    /// </summary>
    [Fact]
    public async Task EveryMessageThatDeclaresItsRoles_RefusesEveryOtherRole_WithItsReason()
    {
        var people = new Dictionary<PersonRole, Guid>();
        foreach (var (role, email) in new[]
        {
            (PersonRole.Coordinator, TestHost.Coordinator), (PersonRole.Partner, TestHost.Police),
            (PersonRole.TeamLead, TestHost.TeamLead), (PersonRole.Admin, TestHost.Admin),
        })
        {
            people[role] = (await (await _host.LoginAsync(email)).GetMeAsync()).PersonId;
        }
        var declared = typeof(AlertHub.Infrastructure.Data.AlertHubDbContext).Assembly.GetTypes()
            .Select(t => (Type: t, Allowed: (AllowedAttribute?)Attribute.GetCustomAttribute(t, typeof(AllowedAttribute))))
            .Where(m => m.Allowed is not null)
            .ToList();
        Assert.True(declared.Count >= 5, $"only {declared.Count} messages declare their roles");
        var refusals = 0;
        foreach (var (type, allowed) in declared)
        {
            Assert.True(typeof(ICallerMessage).IsAssignableFrom(type), $"{type.Name} declares roles but carries no caller");
            foreach (var (role, personId) in people.Where(p => !allowed!.Roles.Contains(p.Key)))
            {
                await using var scope = _host.Services.CreateAsyncScope();
                var mediator = scope.ServiceProvider.GetRequiredService<Mediator.IMediator>();
                var refused = await Assert.ThrowsAsync<AlertHub.Infrastructure.Errors.ForbiddenException>(
                    async () => await mediator.Send(Message(type, personId)));
                Assert.Equal(allowed!.Refusal, refused.Message);
                refusals++;
            }
        }
        Assert.True(refusals >= 12, $"only {refusals} refusals checked");
    }

    /// <summary>The message with only its caller: every other constructor argument is left empty.</summary>
    private static object Message(Type type, Guid callerId)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters()
            .Select(p => p.Name == nameof(ICallerMessage.CallerId) ? callerId
                : p.HasDefaultValue ? p.DefaultValue
                : p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null)
            .ToArray();
        return constructor.Invoke(arguments);
    }

    [Fact]
    public async Task AlertAndEvaluationEndpoints_AnswerOtherRegionsWith404()
    {
        var outsider = await _host.LoginAsync(TestHost.HaaglandenCoordinator);
        var ids = new Dictionary<string, Guid> { ["/api/alerts/"] = _alert.Id, ["/api/evaluations/"] = _alert.EvaluationId!.Value };
        var count = 0;
        foreach (var (method, pattern, _) in ApiEndpoints().Where(e => e.Pattern.Contains("{id", StringComparison.Ordinal)
                     && (e.Pattern.StartsWith("/api/alerts/", StringComparison.Ordinal) || e.Pattern.StartsWith("/api/evaluations/", StringComparison.Ordinal))))
        {
            var id = ids.First(i => pattern.StartsWith(i.Key, StringComparison.Ordinal)).Value;
            using var response = await outsider.Http.SendAsync(Request(method, pattern, id));
            // A coordinator closes no evaluation at all: refused for the role before any id is looked at (CloseEvaluation
            // declares the team lead), which tells nothing about the id either.
            var expected = pattern == "/api/evaluations/{id:guid}/close" ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound;
            Assert.True(response.StatusCode == expected, $"{method} {pattern}: {(int)response.StatusCode}");
            count++;
        }
        Assert.True(count >= 9, $"only {count} region checks"); // 5 alert and 4 evaluation routes today
        Assert.Equal(AlertStatus.Open, (await (await _host.LoginAsync(TestHost.Coordinator)).GetAlertAsync(_alert.Id)).Status);
    }

    [Fact]
    public async Task HubMethods_FromAnotherRegion_FindNothing()
    {
        var outsider = await _host.ListenAsync(TestHost.HaaglandenPolice);
        await Assert.ThrowsAsync<HubException>(() => outsider.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, _alert.Id, AckResponse.Seen));
        await Assert.ThrowsAsync<HubException>(() => outsider.Connection.InvokeAsync(HubNames.ConfirmReceipt, _alert.Id));
        Assert.Empty(await outsider.Connection.InvokeAsync<List<AlertDto>>(HubNames.GetAlertsSince, 0L));
        var partnerNotRecipient = await _host.ListenAsync("politie.reserve@demo.alerthub.test");
        await Assert.ThrowsAsync<HubException>(() => partnerNotRecipient.Connection.InvokeAsync<AlertDto>(HubNames.Acknowledge, _alert.Id, AckResponse.Seen));
    }

    private List<(string Method, string Pattern, RouteEndpoint Endpoint)> ApiEndpoints() =>
        _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.Contains('.', StringComparison.Ordinal) || e.RoutePattern.RawText == "/openapi/{documentName}.json")
            .Where(e => e.RoutePattern.RawText!.StartsWith('/') && !e.RoutePattern.RawText.StartsWith("/hubs", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, e.RoutePattern.RawText!, e)))
            .Where(e => e.Item2.StartsWith("/api", StringComparison.Ordinal) || PublicEndpoints.Contains($"{e.m} {e.Item2}")
                || e.Item3.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(e => (e.m, e.Item2, e.Item3))
            .ToList();

    private static HttpRequestMessage Request(string method, string pattern, Guid? id = null)
    {
        var path = RouteParameter().Replace(pattern, match => match.Value.Contains("guid", StringComparison.Ordinal) || match.Value == "{id}"
            ? (id ?? Guid.CreateVersion7()).ToString()
            : "x");
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
        {
            var body = path.EndsWith("/acknowledgements", StringComparison.Ordinal) ? """{"response":"seen"}"""
                : path.EndsWith("/updates", StringComparison.Ordinal) || path.EndsWith("/instruction", StringComparison.Ordinal) ? """{"text":"x"}""" : "{}";
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return request;
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
