using System.Net.Http.Json;
using Xunit;

namespace AlertHub.Testing;

public static class HttpAssertions
{
    public static async Task<System.Text.Json.JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
    }
}
