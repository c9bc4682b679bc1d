using System.Text.Json;
using AlertHub.Client;

namespace AlertHub.Cli;

/// <summary>The signed-in session, kept between commands in the user's config directory (mode 600).</summary>
internal sealed record Session(string Url, string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt)
{
    public static string FilePath =>
        Environment.GetEnvironmentVariable("ALERTHUB_SESSION")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "alerthub", "session.json");

    public static Session? Load() =>
        File.Exists(FilePath) ? JsonSerializer.Deserialize<Session>(File.ReadAllText(FilePath), AlertHubJson.Options) : null;

    public static Session From(Uri url, TokenResponse token) =>
        new(url.ToString(), token.AccessToken, token.RefreshToken, DateTimeOffset.UtcNow.AddSeconds(token.ExpiresIn));

    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, JsonSerializer.Serialize(this, AlertHubJson.Options));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>A client that renews an expired access token itself and stores the renewed session.</summary>
    public AlertHubClient CreateClient()
    {
        var url = new Uri(Url);
        var client = new AlertHubClient(new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(15) });
        client.UseTokens(AccessToken, RefreshToken, ExpiresAt);
        client.TokensRefreshed += token => From(url, token).Save();
        return client;
    }
}
