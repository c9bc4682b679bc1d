using System.Security.Cryptography;
using System.Text;
using Mediator;

namespace AlertHub.Accounts;

/// <summary>
/// A trusted device of a person (R13): the web app on a phone or PC signed in with <c>POST /api/auth/device/login</c>.
/// Its long-lived credential is a refresh secret in an HttpOnly cookie; only its SHA-256 is stored. Every refresh
/// replaces the secret (<see cref="SecretHash"/>) and keeps the one before (<see cref="PreviousSecretHash"/>):
/// the previous one presented again after <see cref="DeviceSecrets.ReuseGrace"/> means a copy of the cookie is in
/// other hands, and the session is ended. The window is absolute: <see cref="ExpiresAt"/> = sign-in +
/// <c>Auth:DeviceSessionDays</c>, on the hub's clock.
/// </summary>
internal sealed class DeviceSession
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required Guid PersonId { get; set; }

    /// <summary>What the person sees in "Mijn apparaten", e.g. "Chrome op Android" (from the User-Agent, no version).</summary>
    public required string Name { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
    public required DateTimeOffset LastSeenAt { get; set; }
    public required DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Why it ended: <see cref="DeviceEndReason"/>.</summary>
    public string? RevokedReason { get; set; }

    /// <summary>SHA-256 (hex) of the refresh secret the device holds now.</summary>
    public required string SecretHash { get; set; }

    /// <summary>SHA-256 (hex) of the secret it held before the last rotation; null before the first.</summary>
    public string? PreviousSecretHash { get; set; }
    public DateTimeOffset? RotatedAt { get; set; }

    /// <summary>+1 per rotation; the concurrency token, so two refreshes with the same secret cannot both rotate.</summary>
    public int Generation { get; set; }

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;

    public void End(DateTimeOffset now, string reason)
    {
        if (RevokedAt is null)
        {
            RevokedAt = now;
            RevokedReason = reason;
        }
    }
}

internal static class DeviceEndReason
{
    public const string SignedOut = "signed_out";
    public const string EndedByPerson = "ended_by_person";
    public const string EndedByAdmin = "ended_by_admin";
    public const string SecretReused = "secret_reused";
}

/// <summary>
/// A device session ended (signed out, ended in "Mijn apparaten" or by an admin, or a reused secret). Published
/// before the save that ends it: a feature that keeps something per device (Web Push subscriptions) removes it in
/// the same unit of work, so a device that can no longer sign in gets no more pushes either.
/// </summary>
internal sealed record DeviceSessionEnded(Guid PersonId, Guid DeviceSessionId) : INotification;

internal sealed record DeviceSessionDto(
    Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, bool Current)
{
    public static DeviceSessionDto From(DeviceSession s, Guid? current) =>
        new(s.Id, s.Name, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Id == current);
}

/// <summary>The cookie value <c>{session id}.{secret}</c>: 256 random bits, stored only as a hash.</summary>
internal static class DeviceSecrets
{
    /// <summary>
    /// How long the secret just replaced is still taken: two tabs refreshing at once, or an answer lost on a bad
    /// connection, leave the browser with the previous cookie. Within this window it rotates again; after it,
    /// it is treated as stolen.
    /// </summary>
    public static readonly TimeSpan ReuseGrace = TimeSpan.FromSeconds(30);

    public static string NewSecret() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string CookieValue(Guid sessionId, string secret) => $"{sessionId:N}.{secret}";

    public static bool TryParse(string? value, out Guid sessionId, out string secret)
    {
        sessionId = Guid.Empty;
        secret = "";
        if (string.IsNullOrEmpty(value) || value.Length > 128 || value.IndexOf('.') is not (32 and var dot)
            || !Guid.TryParseExact(value[..dot], "N", out sessionId))
        {
            return false;
        }
        secret = value[(dot + 1)..];
        return secret.Length >= 32;
    }

    /// <summary>Compares hex hashes in constant time.</summary>
    public static bool Matches(string? storedHash, string presentedHash) =>
        storedHash is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(storedHash), Encoding.ASCII.GetBytes(presentedHash));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A short, version-free name for a device from its User-Agent: "Chrome op Android", "Safari op iPhone".</summary>
internal static class DeviceNames
{
    public static string FromUserAgent(string? userAgent)
    {
        var ua = userAgent ?? "";
        var browser = ua switch
        {
            _ when ua.Contains("Edg/", StringComparison.Ordinal) => "Edge",
            _ when ua.Contains("SamsungBrowser", StringComparison.Ordinal) => "Samsung Internet",
            _ when ua.Contains("Firefox/", StringComparison.Ordinal) || ua.Contains("FxiOS", StringComparison.Ordinal) => "Firefox",
            _ when ua.Contains("Chrome/", StringComparison.Ordinal) || ua.Contains("CriOS", StringComparison.Ordinal) => "Chrome",
            _ when ua.Contains("Safari/", StringComparison.Ordinal) => "Safari",
            _ => null,
        };
        var system = ua switch
        {
            _ when ua.Contains("iPhone", StringComparison.Ordinal) => "iPhone",
            _ when ua.Contains("iPad", StringComparison.Ordinal) => "iPad",
            _ when ua.Contains("Android", StringComparison.Ordinal) => "Android",
            _ when ua.Contains("Windows", StringComparison.Ordinal) => "Windows",
            _ when ua.Contains("Mac OS X", StringComparison.Ordinal) => "macOS",
            _ when ua.Contains("CrOS", StringComparison.Ordinal) => "ChromeOS",
            _ when ua.Contains("Linux", StringComparison.Ordinal) => "Linux",
            _ => null,
        };
        return (browser, system) switch
        {
            (null, null) => "Onbekend apparaat",
            (not null, null) => browser,
            (null, not null) => system,
            _ => $"{browser} op {system}",
        };
    }
}

