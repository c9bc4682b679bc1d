using System.Net;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace AlertHub.Delivery;

/// <summary>
/// Twilio through its official helper library, on a TwilioRestClient over our typed HttpClient, so the
/// resilience pipeline (DeliverySetup: retry only 429 and refused connections, circuit breaker, timeout)
/// and <c>Twilio:BaseUrl</c> (TwilioBaseUrlHandler) stay. Every outcome is classified so the caller knows
/// whether the SMS may have gone out.
/// </summary>
internal sealed class TwilioSmsSender(System.Net.Http.HttpClient http, IOptions<TwilioOptions> options, ILogger<TwilioSmsSender> logger)
    : ISmsSender
{
    /// <summary>How many of the newest messages to a number a lookup reads at most.</summary>
    public const int LookupLimit = 100;

    /// <summary>Clocks differ: a lookup also accepts messages Twilio stamped this much before our row.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public async Task<SmsSendResult> SendAsync(string to, string body, CancellationToken ct)
    {
        var twilio = options.Value;
        var (client, transport) = Client();
        var create = new CreateMessageOptions(new PhoneNumber(to)) { From = new PhoneNumber(twilio.From), Body = body };
        if (twilio.PublicBase is { } publicBase)
        {
            create.StatusCallback = new Uri(publicBase + TwilioWebhooks.StatusPath);
        }
        try
        {
            var message = await MessageResource.CreateAsync(create, client);
            return string.IsNullOrEmpty(message.Sid) ? SmsSendResult.Uncertain("no_sid") : SmsSendResult.Accepted(message.Sid);
        }
        catch (ApiConnectionException e)
        {
            return Unsent(e);
        }
        catch (ApiException e)
        {
            var status = e.Status != 0 ? e.Status : (int?)transport.LastResponse?.StatusCode ?? 0;
            if (status == (int)HttpStatusCode.TooManyRequests)
            {
                return SmsSendResult.NotSent("429"); // still refused after the pipeline's retries: nothing was sent
            }
            if (status is 401 or 403)
            {
                logger.LogError("Twilio refused our credentials ({Status}, error {Code}): no SMS can go out until Twilio:AccountSid/AuthToken are fixed", status, e.Code);
                return SmsSendResult.NotSent($"auth_{e.Code}");
            }
            if (status is >= 400 and < 500 && e.Code != 0)
            {
                logger.LogWarning("Twilio refused an SMS with status {Status} and error {ErrorCode}", status, e.Code);
                return SmsSendResult.Refused(e.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            // A 5xx (or an answer we cannot read) may come after Twilio accepted the message.
            return SmsSendResult.Uncertain(status == 0 ? "unreadable_answer" : $"http_{status}");
        }
    }

    public async Task<SmsLookup> FindAsync(string to, string body, DateTimeOffset since, IReadOnlySet<string> knownSids, CancellationToken ct)
    {
        var (client, _) = Client();
        // By number, newest first, and bounded: a date filter would be on DateSent, which is empty while a
        // message is still queued at Twilio, and a queued message is exactly the one in doubt.
        var read = new ReadMessageOptions { To = new PhoneNumber(to), PageSize = 50, Limit = LookupLimit };
        var cutoff = since - ClockSkew;
        try
        {
            foreach (var message in await MessageResource.ReadAsync(read, client))
            {
                ct.ThrowIfCancellationRequested();
                if (message.Body == body && !knownSids.Contains(message.Sid) && (message.DateCreated is null || message.DateCreated >= cutoff.UtcDateTime))
                {
                    return new SmsLookup.Found(message.Sid, StatusOf(message.Status), message.ErrorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            return new SmsLookup.Absent();
        }
        catch (ApiConnectionException e)
        {
            logger.LogWarning("Looking up an SMS at Twilio failed ({Error}); trying again later", e.InnerException?.GetType().Name);
            return new SmsLookup.Unknown("connection");
        }
        catch (ApiException e)
        {
            logger.LogWarning("Looking up an SMS at Twilio failed (status {Status}, error {Code}); trying again later", e.Status, e.Code);
            return new SmsLookup.Unknown($"http_{e.Status}");
        }
    }

    /// <summary>
    /// Twilio's redaction (R10): an empty Body posted to a message in its final status removes the text at Twilio.
    /// Idempotent, so unlike sending it may be retried freely.
    /// </summary>
    /// <returns>True when there is nothing more to do (redacted, already gone, or refused for good); false to try later.</returns>
    public async Task<bool> RedactAsync(string messageSid, CancellationToken ct)
    {
        var (client, transport) = Client();
        try
        {
            await MessageResource.UpdateAsync(new UpdateMessageOptions(messageSid) { Body = "" }, client);
            return true;
        }
        catch (ApiConnectionException)
        {
            return false;
        }
        catch (ApiException e)
        {
            var status = e.Status != 0 ? e.Status : (int?)transport.LastResponse?.StatusCode ?? 0;
            if (status == (int)HttpStatusCode.NotFound)
            {
                return true;
            }
            if (status is 0 or (int)HttpStatusCode.TooManyRequests or >= 500)
            {
                return false;
            }
            logger.LogWarning("Twilio refused to redact an SMS with status {Status} and error {ErrorCode}", status, e.Code);
            return true;
        }
    }

    private (TwilioRestClient Client, SystemNetHttpClient Transport) Client()
    {
        var twilio = options.Value;
        var transport = new SystemNetHttpClient(http);
        return (new TwilioRestClient(twilio.AccountSid, twilio.AuthToken, httpClient: transport), transport);
    }

    /// <summary>The request never reached Twilio, or we cannot tell: the library wraps the transport's exception.</summary>
    private SmsSendResult Unsent(ApiConnectionException e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case BrokenCircuitException:
                    return SmsSendResult.NotSent("circuit_open");
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }:
                    return SmsSendResult.NotSent("connection_refused");
                case TimeoutRejectedException:
                    return SmsSendResult.Uncertain("timeout");
            }
        }
        logger.LogWarning("Twilio request failed mid-flight ({Error}); delivery is uncertain", e.InnerException?.GetType().Name);
        return SmsSendResult.Uncertain("network");
    }

    private static SmsStatus StatusOf(MessageResource.StatusEnum? status) => status?.ToString() switch
    {
        "delivered" or "read" => SmsStatus.Delivered,
        "undelivered" => SmsStatus.Undelivered,
        "failed" => SmsStatus.Failed,
        _ => SmsStatus.Sent,
    };
}

/// <summary>
/// The library always calls https://api.twilio.com; <c>Twilio:BaseUrl</c> (a regional edge, or the fake in the
/// tests) replaces scheme, host and port and keeps the path.
/// </summary>
internal sealed class TwilioBaseUrlHandler(IOptions<TwilioOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var baseUrl = new Uri(options.Value.BaseUrl);
        if (request.RequestUri is { } uri)
        {
            request.RequestUri = new UriBuilder(uri) { Scheme = baseUrl.Scheme, Host = baseUrl.Host, Port = baseUrl.Port }.Uri;
        }
        return base.SendAsync(request, cancellationToken);
    }
}
