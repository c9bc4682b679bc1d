using System.Security.Cryptography;
using System.Text;

namespace AlertHub.Partners;

/// <summary>
/// R16: a partner organisation's system (a police or municipal dispatch tool) that uses the API with a client
/// secret instead of a person's password. Scoped to one organisation (and so to its region) and to what it may
/// do (<see cref="ApiScopes"/>). Only a hash of the secret is kept; the secret is shown once, at creation.
/// </summary>
internal sealed class ApiClient
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public required string OrganisationId { get; set; }
    public required string RegionId { get; set; }

    /// <summary>Space-separated, as in an OAuth2 <c>scope</c>.</summary>
    public required string Scopes { get; set; }
    public required string SecretHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastTokenAt { get; set; }

    public bool Active => RevokedAt is null;

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>What a client may be allowed; a token carries the subset it asked for.</summary>
internal static class ApiScopes
{
    /// <summary>Read the alerts the organisation received (list, one by id, the changes).</summary>
    public const string AlertsRead = "alerts:read";

    /// <summary>Answer (gezien, onderweg, ter plaatse, kan niet) for a recipient of the organisation.</summary>
    public const string AlertsAnswer = "alerts:answer";

    /// <summary>See the organisation's webhook deliveries and send a dead one again.</summary>
    public const string WebhooksRead = "webhooks:read";

    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        [AlertsRead] = "De meldingen lezen die de organisatie ontving.",
        [AlertsAnswer] = "Namens een ontvanger van de organisatie reageren (gezien, onderweg, ter plaatse, kan niet).",
        [WebhooksRead] = "De webhook-afleveringen van de organisatie zien en een mislukte opnieuw laten versturen.",
    };
}

/// <summary>Client secrets: 256 random bits, kept as a SHA-256 hash (a random secret needs no slow hash), compared in constant time.</summary>
internal static class ClientSecrets
{
    public const string Prefix = "ahs_";

    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string hash)
    {
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        Span<byte> kept = stackalloc byte[32];
        return Convert.TryFromBase64String(hash, kept, out var written) && written == 32
            && CryptographicOperations.FixedTimeEquals(given, kept);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
