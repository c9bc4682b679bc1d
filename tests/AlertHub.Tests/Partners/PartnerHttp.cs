using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AlertHub.Partners;
using AlertHub.Testing;
using AlertHub.Tests.People;

namespace AlertHub.Tests.Partners;

/// <summary>What a partner system's developer does: a client from the admin, a token with its secret, calls with the token.</summary>
internal static class PartnerHttp
{
    public static async Task<CreatedApiClientDto> CreateClientAsync(this HttpClient admin, string organisationId, params string[] scopes)
    {
        using var response = await admin.PostJsonAsync("/api/admin/api-clients",
            new { name = $"Meldkamer {organisationId}", organisationId, scopes });
        return await response.ReadAsync<CreatedApiClientDto>(HttpStatusCode.Created);
    }

    public static Task<HttpResponseMessage> RequestTokenAsync(this TestHost host, Guid clientId, string secret, string? scope = null, bool basic = true)
    {
        var http = host.CreateHttp();
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        if (scope is not null)
        {
            form.Add(new("scope", scope));
        }
        if (basic)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        }
        else
        {
            form.Add(new("client_id", clientId.ToString()));
            form.Add(new("client_secret", secret));
        }
        return http.PostAsync("/api/auth/token", new FormUrlEncodedContent(form));
    }

    /// <summary>An organisation of the Zaanstreek region with nobody in it: never a recipient.</summary>
    public const string FireService = "brandweer-zaanstreek";

    public static async Task AddFireServiceAsync(this HttpClient admin)
    {
        using var response = await admin.PostJsonAsync("/api/admin/organisations", new { id = FireService, name = "Brandweer Zaanstreek", regionId = "zaanstreek" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>An HTTP client carrying the client's access token.</summary>
    public static async Task<HttpClient> PartnerAsync(this TestHost host, CreatedApiClientDto client, string? scope = null)
    {
        using var response = await host.RequestTokenAsync(client.ClientId, client.ClientSecret, scope);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var token = JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString();
        var http = host.CreateHttp();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
