using System.Net;
using System.Text.Json;
using AlertHub.Testing;

namespace AlertHub.Tests.Infrastructure;

/// <summary>
/// A partner system's developer integrates from the OpenAPI document alone (issue 15): every operation names its
/// credentials and every error it can answer with the problem-details schema; no field is typed "anything"; the
/// live hub is described in it; and the interactive reference page is there when asked for.
/// </summary>
public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task EveryOperation_HasItsSecurityAndErrorResponses_WithProblemDetails_AndEverySchemaIsTyped()
    {
        await using var host = await TestHost.StartAsync();
        using var http = host.CreateHttp();
        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;

        var components = document.GetProperty("components");
        var bearer = components.GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.True(components.GetProperty("schemas").TryGetProperty("ProblemDetails", out _));
        Assert.True(components.GetProperty("schemas").TryGetProperty("HttpValidationProblemDetails", out _));

        var anonymous = new HashSet<string>
        {
            "post /api/auth/login", "post /api/auth/refresh", "post /api/auth/device/login", "post /api/auth/device/refresh", "post /api/auth/token",
            "post /api/auth/device/logout", "post /webhooks/twilio/status", "post /webhooks/twilio/sms",
        };
        var missing = new List<string>();
        var operations = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                operations++;
                var name = $"{operation.Name} {path.Name}";
                var responses = operation.Value.GetProperty("responses");
                var codes = responses.EnumerateObject().Select(r => r.Name).ToHashSet();
                var needed = new List<string> { "500" };
                if (path.Name.StartsWith("/api/", StringComparison.Ordinal))
                {
                    needed.AddRange(["400", "401", "403", "429"]);
                }
                if (path.Name.Contains('{'))
                {
                    needed.Add("404");
                }
                if (!anonymous.Contains(name))
                {
                    // A partner system's endpoints take the API client's OAuth2 token, with the scope they need.
                    var scheme = path.Name.StartsWith("/api/partner/", StringComparison.Ordinal) ? "ApiClient" : "Bearer";
                    if (!operation.Value.TryGetProperty("security", out var security) || !security.EnumerateArray().Any(s => s.TryGetProperty(scheme, out _)))
                    {
                        missing.Add($"{name}: no {scheme} security");
                    }
                }
                missing.AddRange(needed.Where(c => !codes.Contains(c)).Select(c => $"{name}: no {c}"));
                if (!codes.Any(c => c.StartsWith('2') || c.StartsWith('3')))
                {
                    missing.Add($"{name}: no success response");
                }
                foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                {
                    var schema = response.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out var media)
                        ? media.GetProperty("schema").GetProperty("$ref").GetString() : null;
                    // The OAuth2 token endpoint answers errors as RFC 6749 §5.2 says ({error, error_description}), as token clients expect.
                    var oauthError = name == "post /api/auth/token" && response.Name is "400" or "401"
                        && content.TryGetProperty("application/json", out var oauth)
                        && oauth.GetProperty("schema").GetProperty("$ref").GetString() == "#/components/schemas/ClientTokenError";
                    if (!oauthError && schema is not ("#/components/schemas/ProblemDetails" or "#/components/schemas/HttpValidationProblemDetails"))
                    {
                        missing.Add($"{name}: {response.Name} without problem details");
                    }
                    if (!response.Value.TryGetProperty("description", out var meaning) || meaning.GetString()!.Length < 10)
                    {
                        missing.Add($"{name}: {response.Name} without a description");
                    }
                }
            }
        }
        Assert.True(operations > 60, $"only {operations} operations");
        Assert.True(missing.Count == 0, string.Join("\n", missing));

        // Every property has a type or a reference (v1 typed receivedAt as {}), and nullable ones are not required.
        var untyped = new List<string>();
        foreach (var schema in components.GetProperty("schemas").EnumerateObject())
        {
            if (!schema.Value.TryGetProperty("properties", out var properties))
            {
                continue;
            }
            foreach (var property in properties.EnumerateObject())
            {
                var p = property.Value;
                if (!p.TryGetProperty("type", out _) && !p.TryGetProperty("$ref", out _) && !p.TryGetProperty("oneOf", out _)
                    && !p.TryGetProperty("anyOf", out _) && !p.TryGetProperty("allOf", out _))
                {
                    untyped.Add($"{schema.Name}.{property.Name}");
                }
            }
        }
        Assert.True(untyped.Count == 0, "untyped: " + string.Join(", ", untyped));
        var recipient = components.GetProperty("schemas").GetProperty("RecipientDto");
        var required = recipient.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains("personId", required);
        Assert.DoesNotContain("response", required);
        Assert.DoesNotContain("receivedAt", required);
        Assert.Equal("date-time", recipient.GetProperty("properties").GetProperty("receivedAt").GetProperty("format").GetString());
        var login = document.GetProperty("paths").GetProperty("/api/auth/login").GetProperty("post").GetProperty("responses").GetProperty("200");
        Assert.Contains("TokenResponse", login.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());

        // The hub, where a client developer looks: its events and methods in the document.
        var description = document.GetProperty("info").GetProperty("description").GetString()!;
        foreach (var name in new[] { "/hubs/alerts", "AlertRaised", "AlertUpdated", "EvaluationDue", "ConfirmReceipt", "Acknowledge", "GetChangesSince" })
        {
            Assert.Contains(name, description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheReferencePage_IsServedWhenAskedFor_AndNotOtherwise()
    {
        await using (var plain = await TestHost.StartAsync())
        {
            using var http = plain.CreateHttp();
            Assert.NotEqual(HttpStatusCode.OK, (await http.GetAsync("/docs/v1")).StatusCode);
        }
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Docs:ReferencePage"] = "true" });
        using var client = host.CreateHttp();
        var page = await client.GetAsync("/docs/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>AlertHub API</title>", html, StringComparison.Ordinal);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/docs/scalar.js")).StatusCode); // served by the hub, no CDN
        // Its inline start-up script is allowed there only; the app keeps the strict policy.
        Assert.Contains("'unsafe-inline'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var app = await client.GetAsync("/");
        Assert.DoesNotContain("unsafe-inline", app.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
