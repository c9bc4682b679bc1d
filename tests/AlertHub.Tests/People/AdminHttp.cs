using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AlertHub.Client;

namespace AlertHub.Tests.People;

/// <summary>Small helpers for calling the admin endpoints in the wire format.</summary>
internal static class AdminHttp
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, object body) =>
        http.PostAsJsonAsync(path, body, AlertHubJson.Options);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient http, string path, object body) =>
        http.PutAsJsonAsync(path, body, AlertHubJson.Options);

    public static Task<HttpResponseMessage> PostCsvAsync(this HttpClient http, string kind, string csv) =>
        http.PostAsync($"/api/admin/import?kind={kind}", new StringContent(csv, Encoding.UTF8, "text/csv"));

    /// <summary>Asserts the status (showing the body when it differs) and reads the answer.</summary>
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<T>(text, AlertHubJson.Options)!;
    }

    /// <summary>Asserts a 400 problem and returns its <c>errors</c> as field → messages.</summary>
    public static async Task<Dictionary<string, string[]>> ValidationErrorsAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        return problem.RootElement.GetProperty("errors").EnumerateObject()
            .ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
    }
}
