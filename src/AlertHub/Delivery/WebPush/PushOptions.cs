using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AlertHub.Delivery.WebPush;

/// <summary>CONTRACT v2 Web Push settings (section <c>Push</c>); checked at start-up by <see cref="PushOptionsValidation"/>.</summary>
internal sealed class PushOptions
{
    public const string SectionName = "Push";

    /// <summary>The browsers' push services: Chrome, Edge on Android, Opera and Samsung (FCM), Firefox, Safari, Edge on Windows (WNS).</summary>
    public const string DefaultAllowedHosts = "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com";

    /// <summary>VAPID public key, base64url of the 65-byte uncompressed P-256 point; empty with <see cref="PrivateKey"/>: one stored in the database.</summary>
    public string PublicKey { get; set; } = "";

    /// <summary>VAPID private key, base64url of the 32-byte P-256 scalar.</summary>
    public string PrivateKey { get; set; } = "";

    /// <summary>The JWT's <c>sub</c>: how a push service reaches the operator (mailto: or https:).</summary>
    public string Subject { get; set; } = "";

    /// <summary>Comma-separated hosts a subscription may point at; <c>*</c> stands for one DNS label or part of one.</summary>
    public string AllowedHosts { get; set; } = DefaultAllowedHosts;

    /// <summary>Until the recipient answered or the alert closed, the push goes out again this often …</summary>
    public TimeSpan RepeatEvery { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>… at most this many times after the first.</summary>
    public int MaxRepeats { get; set; } = 3;

    /// <summary>How long the push service keeps a push for a device that is offline (the <c>TTL</c> header).</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromHours(1);

    /// <summary>One request to a push service.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait after a 429, a 5xx or a network error; doubles up to <see cref="RetryMax"/>, which also caps a Retry-After.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(2);

    public bool HasConfiguredKeys => !string.IsNullOrEmpty(PublicKey) || !string.IsNullOrEmpty(PrivateKey);
}

/// <summary>
/// Web Push settings that would sign with a broken key, name no contact the push services accept, or let the hub
/// send requests to hosts other than push services (SSRF) are refused at start-up.
/// </summary>
internal sealed class PushOptionsValidation : IValidateOptions<PushOptions>
{
    public ValidateOptionsResult Validate(string? name, PushOptions options)
    {
        var failures = new List<string>();
        if (options.HasConfiguredKeys)
        {
            if (VapidKeyPair.Check(options.PublicKey, options.PrivateKey) is { } keyProblem)
            {
                failures.Add(keyProblem);
            }
        }
        if (!string.IsNullOrEmpty(options.Subject) && !PushSubject.IsValid(options.Subject))
        {
            failures.Add($"Push:Subject '{options.Subject}' must be a mailto: address or an https: URL, e.g. mailto:beheer@example.nl.");
        }
        if (PushHosts.Parse(options.AllowedHosts, out var hostProblems) is null)
        {
            failures.AddRange(hostProblems);
        }
        if (options.RepeatEvery < TimeSpan.FromSeconds(10) || options.RepeatEvery > TimeSpan.FromHours(1))
        {
            failures.Add($"Push:RepeatEvery {options.RepeatEvery} must be between 00:00:10 and 01:00:00.");
        }
        if (options.MaxRepeats is < 0 or > 20)
        {
            failures.Add($"Push:MaxRepeats {options.MaxRepeats} must be between 0 and 20.");
        }
        if (options.TimeToLive < TimeSpan.FromSeconds(1) || options.TimeToLive > TimeSpan.FromDays(1))
        {
            failures.Add($"Push:TimeToLive {options.TimeToLive} must be between 00:00:01 and 1.00:00:00.");
        }
        if (options.Timeout < TimeSpan.FromSeconds(1) || options.Timeout > TimeSpan.FromSeconds(60))
        {
            failures.Add($"Push:Timeout {options.Timeout} must be between 00:00:01 and 00:01:00.");
        }
        if (options.RetryAfter < TimeSpan.FromMilliseconds(100) || options.RetryMax < options.RetryAfter || options.RetryMax > TimeSpan.FromHours(1))
        {
            failures.Add($"Push:RetryAfter {options.RetryAfter} / Push:RetryMax {options.RetryMax}: 00:00:00.1 ≤ RetryAfter ≤ RetryMax ≤ 01:00:00.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal static class PushSubject
{
    public static bool IsValid(string subject) =>
        subject.StartsWith("mailto:", StringComparison.Ordinal) && subject.Length > "mailto:".Length && subject.Contains('@')
        || Uri.TryCreate(subject, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && !string.IsNullOrEmpty(uri.Host);
}

/// <summary>
/// <c>Push:AllowedHosts</c>: the only hosts the hub ever sends a request to for Web Push (checked when a browser
/// subscribes and again before every send). https only, except a loopback host listed by name or address
/// (a push service under test); a wildcard never matches an IP address.
/// </summary>
internal sealed partial class PushHosts
{
    private readonly List<Regex> _patterns = [];
    private readonly HashSet<string> _exact = new(StringComparer.OrdinalIgnoreCase);

    private PushHosts()
    {
    }

    public static PushHosts? Parse(string? value, out List<string> problems)
    {
        problems = [];
        var hosts = new PushHosts();
        var entries = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
        {
            problems.Add("Push:AllowedHosts is empty: list the push services subscriptions may use, e.g. " + PushOptions.DefaultAllowedHosts + ".");
        }
        foreach (var raw in entries)
        {
            var entry = raw.ToLowerInvariant();
            if (entry.Contains('*'))
            {
                if (!WildcardEntry().IsMatch(entry))
                {
                    problems.Add($"Push:AllowedHosts entry '{raw}' is not a host name: '*' may stand for (part of) one label, and at least two labels must follow it, e.g. *.push.apple.com.");
                    continue;
                }
                hosts._patterns.Add(new Regex("^" + Regex.Escape(entry).Replace(@"\*", "[a-z0-9-]*") + "$", RegexOptions.CultureInvariant));
            }
            else if (IPAddress.TryParse(entry.Trim('[', ']'), out _) || HostEntry().IsMatch(entry))
            {
                hosts._exact.Add(entry.Trim('[', ']'));
            }
            else
            {
                problems.Add($"Push:AllowedHosts entry '{raw}' is not a host name (no scheme, port or path), e.g. fcm.googleapis.com.");
            }
        }
        return problems.Count == 0 ? hosts : null;
    }

    /// <summary>Null when the hub may send to <paramref name="endpoint"/>; else why not (Dutch, for the subscriber).</summary>
    public string? Refusal(Uri endpoint)
    {
        if (!string.IsNullOrEmpty(endpoint.UserInfo) || !string.IsNullOrEmpty(endpoint.Fragment))
        {
            return "Het endpoint mag geen gebruikersnaam of #-deel bevatten.";
        }
        var host = endpoint.IdnHost.Trim('[', ']').ToLowerInvariant();
        var isAddress = IPAddress.TryParse(host, out var address);
        var listed = _exact.Contains(host) || (!isAddress && _patterns.Any(p => p.IsMatch(host)));
        if (!listed)
        {
            return $"Pushdienst '{host}' is niet toegestaan.";
        }
        if (endpoint.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }
        var loopback = isAddress ? IPAddress.IsLoopback(address!) : host == "localhost";
        return endpoint.Scheme == Uri.UriSchemeHttp && loopback && _exact.Contains(host)
            ? null
            : "Het endpoint moet een https-adres zijn.";
    }

    [GeneratedRegex(@"^([a-z0-9*-]+\.)+[a-z0-9-]+\.[a-z0-9-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex WildcardEntry();

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex HostEntry();
}

/// <summary>VAPID keys as the contract and the push library spell them: base64url, 65-byte uncompressed public point, 32-byte private scalar.</summary>
internal static class VapidKeyPair
{
    public static (string PublicKey, string PrivateKey) Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        return (Base64Url.Encode([0x04, .. parameters.Q.X!, .. parameters.Q.Y!]), Base64Url.Encode(parameters.D!));
    }

    /// <summary>Null when the two keys are well-formed and belong together; else what is wrong, naming the setting.</summary>
    public static string? Check(string publicKey, string privateKey)
    {
        if (string.IsNullOrEmpty(publicKey) || string.IsNullOrEmpty(privateKey))
        {
            return "Push:PublicKey and Push:PrivateKey go together: set both, or neither (a key pair is then generated once and kept in the database).";
        }
        if (Base64Url.TryDecode(publicKey) is not { Length: 65 } point || point[0] != 0x04)
        {
            return "Push:PublicKey must be base64url of a 65-byte uncompressed P-256 point (starting with 0x04).";
        }
        if (Base64Url.TryDecode(privateKey) is not { Length: 32 } scalar)
        {
            return "Push:PrivateKey must be base64url of a 32-byte P-256 private key.";
        }
        try
        {
            var curve = ECCurve.NamedCurves.nistP256;
            using var signer = ECDsa.Create(new ECParameters { Curve = curve, D = scalar, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
            using var verifier = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = point[1..33], Y = point[33..] } });
            byte[] probe = [1, 2, 3];
            if (!verifier.VerifyData(probe, signer.SignData(probe, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256))
            {
                return "Push:PublicKey does not belong to Push:PrivateKey.";
            }
        }
        catch (CryptographicException)
        {
            return "Push:PublicKey does not belong to Push:PrivateKey (they are not one valid P-256 key pair).";
        }
        return null;
    }
}

internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public static byte[]? TryDecode(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        try
        {
            // Browsers give unpadded base64url; some tools pad it.
            return System.Buffers.Text.Base64Url.DecodeFromChars(value.TrimEnd('='));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
