using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace AlertHub.Testing;

/// <summary>
/// A Web Push service (RFC 8030) on loopback, and the browsers subscribed to it. <see cref="NewSubscription"/> makes
/// keys as a browser does (a P-256 key pair, 16 random bytes of auth secret). Every POST to <c>/push/{id}</c> is
/// checked as a push service and a browser would: the VAPID header (RFC 8292: ES256 signature verified with
/// <c>k</c>, <c>aud</c> the endpoint's origin, <c>exp</c> in the future and at most 24 h ahead, <c>sub</c> mailto: or
/// https:), <c>TTL</c>, <c>Urgency: high</c>, <c>Content-Encoding: aes128gcm</c>; the body is decrypted per RFC 8291 /
/// RFC 8188 with this class's own implementation (on purpose: it proves the hub's output is standard). A request
/// that fails a check is answered 400/401 and listed in <see cref="Rejections"/>. An endpoint can be told to answer
/// 404/410/429/5xx.
/// </summary>
public sealed class FakePushService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Browser> _browsers = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, int? RetryAfter)>> _faults = new();
    private readonly ConcurrentDictionary<string, int> _gone = new();
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentQueue<Delivered> _delivered = new();
    private readonly ConcurrentQueue<string> _rejections = new();

    private FakePushService(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every POST that reached an endpoint, also the ones answered with a fault.</summary>
    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    /// <summary>Pushes accepted (201), decrypted.</summary>
    public IReadOnlyList<Delivered> Pushes => [.. _delivered];

    /// <summary>Requests that broke the protocol: must stay empty.</summary>
    public IReadOnlyList<string> Rejections => [.. _rejections];

    /// <summary>The VAPID public key (<c>k</c>) of the last valid request.</summary>
    public string? LastVapidKey { get; private set; }

    public static async Task<FakePushService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakePushService(app);
        app.MapPost("/push/{id}", (string id, HttpContext context) => fake.HandleAsync(id, context));
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return fake;
    }

    /// <summary>Hub settings that let it push here (<c>127.0.0.1</c> listed: plain http to loopback).</summary>
    public Dictionary<string, string?> HubSettings() => new()
    {
        ["Push:AllowedHosts"] = "127.0.0.1",
        ["Push:Subject"] = "mailto:beheer@alerthub.test",
    };

    /// <summary>A new browser subscription at this service, as <c>PushSubscription.toJSON()</c> gives it.</summary>
    public BrowserSubscription NewSubscription()
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var auth = RandomNumberGenerator.GetBytes(16);
        var q = key.ExportParameters(false).Q;
        var browser = new Browser(key, [0x04, .. q.X!, .. q.Y!], auth);
        _browsers[id] = browser;
        return new BrowserSubscription(id, new Uri(BaseAddress, $"/push/{id}").ToString(), B64(browser.PublicKey), B64(auth));
    }

    /// <summary>The next push to <paramref name="id"/> is answered with <paramref name="status"/> (and Retry-After seconds).</summary>
    public void FailNext(string id, HttpStatusCode status, int? retryAfterSeconds = null) =>
        _faults.GetOrAdd(id, _ => new()).Enqueue(((int)status, retryAfterSeconds));

    /// <summary>From now on <paramref name="id"/> no longer exists (410 Gone, or 404).</summary>
    public void End(string id, HttpStatusCode status = HttpStatusCode.Gone) => _gone[id] = (int)status;

    public IReadOnlyList<Delivered> PushesTo(string id) => Pushes.Where(p => p.SubscriptionId == id).ToList();

    public async Task<IReadOnlyList<Delivered>> WaitForPushesAsync(int count, TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => _delivered.Count >= count || !_rejections.IsEmpty, $"{count} pushes", timeout ?? TimeSpan.FromSeconds(15));
        Assert.Empty(Rejections);
        return Pushes;
    }

    private async Task HandleAsync(string id, HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        _attempts.Enqueue(new Attempt(id, DateTimeOffset.UtcNow));
        var response = context.Response;
        if (!_browsers.TryGetValue(id, out var browser))
        {
            response.StatusCode = 404;
            return;
        }
        var problem = CheckHeaders(context.Request, out var vapidKey);
        string? payload = null;
        if (problem is null)
        {
            try
            {
                payload = Decrypt(body.ToArray(), browser);
            }
            catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
            {
                problem = $"body does not decrypt per RFC 8291: {e.Message}";
            }
        }
        if (problem is not null)
        {
            _rejections.Enqueue($"{id}: {problem}");
            response.StatusCode = problem.StartsWith("vapid", StringComparison.Ordinal) ? 401 : 400;
            return;
        }
        LastVapidKey = vapidKey;
        if (_gone.TryGetValue(id, out var gone))
        {
            response.StatusCode = gone;
            return;
        }
        if (_faults.TryGetValue(id, out var faults) && faults.TryDequeue(out var fault))
        {
            if (fault.RetryAfter is { } seconds)
            {
                response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            response.StatusCode = fault.Status;
            return;
        }
        _delivered.Enqueue(new Delivered(id, payload!, JsonDocument.Parse(payload!).RootElement.Clone(),
            int.Parse(context.Request.Headers["TTL"]!, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow));
        response.Headers.Location = new Uri(BaseAddress, $"/message/{Guid.NewGuid():N}").ToString();
        response.StatusCode = 201;
    }

    /// <returns>Null when the headers are what RFC 8030/8292 and the contract ask for; else what is wrong.</returns>
    private string? CheckHeaders(HttpRequest request, out string? vapidKey)
    {
        vapidKey = null;
        if (!int.TryParse(request.Headers["TTL"], out var ttl) || ttl <= 0)
        {
            return $"TTL '{request.Headers["TTL"]}' is not a positive number";
        }
        if (request.Headers["Urgency"] != "high")
        {
            return $"Urgency '{request.Headers["Urgency"]}' is not high";
        }
        if (request.Headers.ContentEncoding != "aes128gcm")
        {
            return $"Content-Encoding '{request.Headers.ContentEncoding}' is not aes128gcm";
        }
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("vapid ", StringComparison.Ordinal))
        {
            return $"vapid: Authorization '{authorization}' is not the vapid scheme";
        }
        var parameters = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parameters.TryGetValue("t", out var token) || !parameters.TryGetValue("k", out var k))
        {
            return "vapid: t= or k= missing";
        }
        var key = FromB64(k);
        if (key.Length != 65 || key[0] != 0x04)
        {
            return "vapid: k is not a 65-byte uncompressed P-256 point";
        }
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return "vapid: t is not a JWT";
        }
        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = key[1..33], Y = key[33..] },
        });
        if (!verifier.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), FromB64(parts[2]), HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return "vapid: the ES256 signature does not verify with k";
        }
        using var header = JsonDocument.Parse(FromB64(parts[0]));
        if (header.RootElement.GetProperty("alg").GetString() != "ES256")
        {
            return "vapid: alg is not ES256";
        }
        using var claims = JsonDocument.Parse(FromB64(parts[1]));
        var origin = $"{request.Scheme}://{request.Host}";
        var aud = claims.RootElement.TryGetProperty("aud", out var a) ? a.GetString() : null;
        if (aud != origin)
        {
            return $"vapid: aud '{aud}' is not the endpoint's origin '{origin}'";
        }
        // The push service's own clock: the real one (the hub signs with real time, whatever its business clock says).
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var exp = claims.RootElement.TryGetProperty("exp", out var e) && e.TryGetInt64(out var x) ? x : 0;
        if (exp <= now || exp > now + 24 * 3600 + 60)
        {
            return $"vapid: exp {exp} is not in the next 24 h (now {now})";
        }
        var sub = claims.RootElement.TryGetProperty("sub", out var s) ? s.GetString() : null;
        if (sub is null || !(sub.StartsWith("mailto:", StringComparison.Ordinal) || sub.StartsWith("https:", StringComparison.Ordinal)))
        {
            return $"vapid: sub '{sub}' is not mailto: or https:";
        }
        vapidKey = k;
        return null;
    }

    /// <summary>RFC 8291 §3.4 key derivation and RFC 8188 records, decrypted as the browser does.</summary>
    private static string Decrypt(byte[] body, Browser browser)
    {
        // RFC 8188 header: salt (16) | rs (uint32) | idlen (1) | keyid (idlen) = the sender's ephemeral public key.
        if (body.Length < 21)
        {
            throw new FormatException("shorter than the aes128gcm header");
        }
        var salt = body[..16];
        var recordSize = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        var idLength = body[20];
        if (idLength != 65 || recordSize < 18)
        {
            throw new FormatException($"keyid length {idLength}, record size {recordSize}");
        }
        var senderKey = body[21..(21 + idLength)];
        var records = body[(21 + idLength)..];

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = senderKey[1..33], Y = senderKey[33..] },
        });
        var ecdhSecret = browser.Key.DeriveRawSecretAgreement(sender.PublicKey);
        // IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" 0x00 ua_public as_public, L = 32)
        byte[] keyInfo = [.. "WebPush: info"u8, 0x00, .. browser.PublicKey, .. senderKey];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, ecdhSecret, 32, browser.Auth, keyInfo);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, [.. "Content-Encoding: aes128gcm"u8, 0x00]);
        var baseNonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, [.. "Content-Encoding: nonce"u8, 0x00]);

        using var aes = new AesGcm(cek, 16);
        var plain = new List<byte>();
        var offset = 0;
        for (ulong sequence = 0; offset < records.Length; sequence++)
        {
            var length = Math.Min(recordSize, records.Length - offset);
            var record = records.AsSpan(offset, length);
            var nonce = (byte[])baseNonce.Clone();
            for (var i = 0; i < 8; i++)
            {
                nonce[11 - i] ^= (byte)(sequence >> (8 * i));
            }
            var data = new byte[length - 16];
            aes.Decrypt(nonce, record[..^16], record[^16..], data);
            offset += length;
            var last = offset >= records.Length;
            // Padding: the delimiter (2 in the last record, 1 before), then zeros.
            var end = data.Length - 1;
            while (end >= 0 && data[end] == 0)
            {
                end--;
            }
            if (end < 0 || data[end] != (last ? 2 : 1))
            {
                throw new FormatException("record delimiter missing");
            }
            plain.AddRange(data[..end]);
        }
        return Encoding.UTF8.GetString(plain.ToArray());
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromB64(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var browser in _browsers.Values)
        {
            browser.Key.Dispose();
        }
    }

    private sealed record Browser(ECDiffieHellman Key, byte[] PublicKey, byte[] Auth);

    public sealed record Attempt(string SubscriptionId, DateTimeOffset At);

    public sealed record Delivered(string SubscriptionId, string Json, JsonElement Payload, int Ttl, DateTimeOffset At);
}

/// <summary>What a browser's <c>PushSubscription.toJSON()</c> holds, plus the fake's id for it.</summary>
public sealed record BrowserSubscription(string Id, string Endpoint, string P256dh, string Auth)
{
    /// <summary>The body of <c>POST /api/push/subscriptions</c>.</summary>
    public object ToJson() => new { endpoint = Endpoint, expirationTime = (double?)null, keys = new { p256dh = P256dh, auth = Auth } };
}
