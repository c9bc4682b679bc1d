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

    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, JsonSerializer.Serialize(this, AlertHubJson.Options));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public AlertHubClient CreateClient()
    {
        var client = new AlertHubClient(new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(15) });
        client.UseToken(AccessToken);
        return client;
    }
}
