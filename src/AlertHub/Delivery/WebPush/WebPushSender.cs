using System.Net;
using System.Net.Http.Headers;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using LibSubscription = Lib.Net.Http.WebPush.PushSubscription;

namespace AlertHub.Delivery.WebPush;

internal enum PushOutcomeKind
{
    /// <summary>201/202: the push service took it.</summary>
    Accepted,
    /// <summary>404/410: the subscription no longer exists at the push service.</summary>
    Gone,
    /// <summary>429, 5xx, timeout, network: try again later.</summary>
    Retry,
    /// <summary>Any other 4xx, or a host not on the allow-list: sending again cannot help.</summary>
    Rejected,
}

internal sealed record PushOutcome(PushOutcomeKind Kind, string Detail, TimeSpan? RetryAfter = null);

/// <summary>
/// One push over the Web Push protocol through Lib.Net.Http.WebPush: aes128gcm encryption to the browser's keys
/// (RFC 8291), the VAPID <c>Authorization: vapid t=…, k=…</c> header (RFC 8292), TTL and Urgency (RFC 8030). Retries
/// are the job's (rows and due times), never the library's or the HTTP pipeline's.
/// </summary>
internal sealed class WebPushSender(HttpClient http, VapidKeyStore keys, IOptions<PushOptions> options, ILogger<WebPushSender> logger)
{
    public async Task<PushOutcome> SendAsync(PushSubscription subscription, string payload, CancellationToken ct)
    {
        var settings = options.Value;
        var (publicKey, privateKey) = await keys.GetAsync(ct);
        var target = new LibSubscription { Endpoint = subscription.Endpoint };
        target.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
        target.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
        var message = new PushMessage(payload)
        {
            Urgency = PushMessageUrgency.High,
            TimeToLive = (int)settings.TimeToLive.TotalSeconds,
        };
        using var vapid = Authentication(publicKey, privateKey, settings.Subject);
        // The library would wait out a 429 itself, holding the job; the job schedules the retry instead.
        var client = new PushServiceClient(http) { AutoRetryAfter = false };
        try
        {
            await client.RequestPushMessageDeliveryAsync(target, message, vapid, VapidAuthenticationScheme.Vapid, ct);
            return new PushOutcome(PushOutcomeKind.Accepted, "201");
        }
        catch (PushServiceClientException e)
        {
            var status = (int)e.StatusCode;
            var detail = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return e.StatusCode switch
            {
                HttpStatusCode.NotFound or HttpStatusCode.Gone => new PushOutcome(PushOutcomeKind.Gone, detail),
                HttpStatusCode.TooManyRequests => new PushOutcome(PushOutcomeKind.Retry, detail, RetryAfter(e.Headers)),
                _ when status >= 500 => new PushOutcome(PushOutcomeKind.Retry, detail, RetryAfter(e.Headers)),
                _ => new PushOutcome(PushOutcomeKind.Rejected, $"{detail} {Trim(e.Body)}".Trim()),
            };
        }
        catch (PushHostNotAllowedException e)
        {
            return new PushOutcome(PushOutcomeKind.Rejected, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or IOException
            || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogInformation("Push to {Host} failed on the way: {Error}", new Uri(subscription.Endpoint).Host, e.GetType().Name);
            return new PushOutcome(PushOutcomeKind.Retry, e.GetType().Name);
        }
    }

    public static VapidAuthentication Authentication(string publicKey, string privateKey, string subject)
    {
        var vapid = new VapidAuthentication(publicKey, privateKey);
        if (!string.IsNullOrEmpty(subject))
        {
            vapid.Subject = subject;
        }
        return vapid;
    }

    private static TimeSpan? RetryAfter(HttpResponseHeaders? headers) => headers?.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private static string Trim(string? body) => body is null ? "" : body.Length > 120 ? body[..120] : body;
}

internal sealed class PushHostNotAllowedException(string message) : Exception(message);

/// <summary>
/// The last check before any request leaves for a push service: the host must be on <c>Push:AllowedHosts</c>
/// (it was when the browser subscribed; the list may have shrunk since). Redirects are off in the primary handler,
/// so this is the host the request really goes to.
/// </summary>
internal sealed class PushAllowListHandler(PushHosts hosts) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var refusal = request.RequestUri is { } uri ? hosts.Refusal(uri) : "no endpoint";
        if (refusal is not null)
        {
            throw new PushHostNotAllowedException($"Push not sent: {refusal}");
        }
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// RFC 8292 wants the endpoint's origin as the JWT's <c>aud</c>; the library writes scheme and host only, which is
/// the origin for the push services (port 443) but not for an endpoint on another port. For such an endpoint the
/// header is made again by the library with the full origin.
/// </summary>
internal sealed class VapidAudienceHandler(VapidKeyStore keys, IOptions<PushOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsDefaultPort: false } uri && request.Headers.Authorization?.Scheme == "vapid")
        {
            var (publicKey, privateKey) = await keys.GetAsync(cancellationToken);
            using var vapid = WebPushSender.Authentication(publicKey, privateKey, options.Value.Subject);
            request.Headers.Authorization = new AuthenticationHeaderValue("vapid",
                vapid.GetVapidSchemeAuthenticationHeaderValueParameter(uri.GetLeftPart(UriPartial.Authority)));
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
