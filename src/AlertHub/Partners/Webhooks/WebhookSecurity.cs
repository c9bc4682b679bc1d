using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace AlertHub.Partners.Webhooks;

/// <summary>Signing secrets: random, shown once, kept protected by the hub's Data Protection keys.</summary>
internal sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    public const string Prefix = "whsec_";
    private readonly IDataProtector _protector = provider.CreateProtector("AlertHub.Webhooks.Secret");

    public static string New() => Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

/// <summary>
/// The signature a receiver checks (README "Webhooks"): <c>X-AlertHub-Signature: v1=&lt;hex HMAC-SHA256(secret,
/// "{timestamp}.{body}")&gt;</c> with <c>X-AlertHub-Timestamp</c> in Unix seconds. A receiver refuses a timestamp
/// more than five minutes from its clock (a replay) and a delivery id it has seen (a retry it already handled).
/// </summary>
internal static class WebhookSignature
{
    public const string SignatureHeader = "X-AlertHub-Signature";
    public const string TimestampHeader = "X-AlertHub-Timestamp";
    public const string EventHeader = "X-AlertHub-Event";
    public const string DeliveryHeader = "X-AlertHub-Delivery";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }
}

internal static class WebhookRules
{
    public const int MaxUrlLength = 500;

    /// <returns>Null when the address may receive webhooks, else the Dutch reason.</returns>
    public static string? Check(string? url, bool allowLoopbackHttp)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Het webhook-adres is verplicht.";
        }
        if (url.Length > MaxUrlLength)
        {
            return $"Het webhook-adres mag hoogstens {MaxUrlLength} tekens zijn.";
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "Het webhook-adres is geen geldig adres (https://…, zonder gebruikersnaam of #).";
        }
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }
        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        return uri.Scheme == Uri.UriSchemeHttp && loopback && allowLoopbackHttp
            ? null
            : "Het webhook-adres moet met https:// beginnen.";
    }
}
