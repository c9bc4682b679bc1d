using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AlertHub.Delivery;

/// <summary>
/// Twilio's Messages REST API over a typed HttpClient (no SDK on our mirror). The resilience
/// pipeline (see DeliverySetup) retries only where a retry cannot send a second SMS; here every
/// outcome is classified so the caller knows whether it may try again.
/// </summary>
internal sealed class TwilioSmsSender(HttpClient http, IOptions<TwilioOptions> options, ILogger<TwilioSmsSender> logger) : ISmsSender
{
    public async Task<SmsSendResult> SendAsync(string to, string body, CancellationToken ct)
    {
        var twilio = options.Value;
        var fields = new List<KeyValuePair<string, string>>
        {
            new("To", to),
            new("From", twilio.From ?? ""),
            new("Body", body),
        };
        if (twilio.PublicBase is { } publicBase)
        {
            fields.Add(new("StatusCallback", publicBase + TwilioWebhooks.StatusPath));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"{twilio.BaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{Uri.EscapeDataString(twilio.AccountSid!)}/Messages.json")
        {
            Content = new FormUrlEncodedContent(fields),
        };
        request.Headers.Authorization = BasicAuth(twilio);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (BrokenCircuitException)
        {
            return SmsSendResult.NotSent("circuit_open");
        }
        catch (TimeoutRejectedException)
        {
            return SmsSendResult.Uncertain("timeout");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return SmsSendResult.NotSent("connection_refused");
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning("Twilio request failed mid-flight ({Error}); delivery is uncertain", e.HttpRequestError);
            return SmsSendResult.Uncertain("network");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                var message = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                var sid = message.TryGetProperty("sid", out var s) ? s.GetString() : null;
                return sid is null ? SmsSendResult.Uncertain("no_sid") : SmsSendResult.Accepted(sid);
            }
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return SmsSendResult.NotSent("429");
            }
            if ((int)response.StatusCode >= 500)
            {
                return SmsSendResult.Uncertain($"http_{(int)response.StatusCode}");
            }
            var code = await ErrorCodeAsync(response, ct);
            logger.LogWarning("Twilio refused an SMS with status {Status} and error {ErrorCode}", (int)response.StatusCode, code);
            return SmsSendResult.Rejected(code);
        }
    }

    /// <summary>
    /// Twilio's redaction (R10): an empty Body posted to a message in its final status removes the text at Twilio.
    /// Idempotent, so unlike sending it may be retried freely.
    /// </summary>
    /// <returns>True when there is nothing more to do (redacted, already gone, or refused for good); false to try later.</returns>
    public async Task<bool> RedactAsync(string messageSid, CancellationToken ct)
    {
        var twilio = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"{twilio.BaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{Uri.EscapeDataString(twilio.AccountSid!)}/Messages/{Uri.EscapeDataString(messageSid)}.json")
        {
            Content = new FormUrlEncodedContent([new("Body", "")]),
        };
        request.Headers.Authorization = BasicAuth(twilio);
        using var response = await http.SendAsync(request, ct);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
        {
            return true;
        }
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
        {
            return false;
        }
        logger.LogWarning("Twilio refused to redact an SMS with status {Status} and error {ErrorCode}",
            (int)response.StatusCode, await ErrorCodeAsync(response, ct));
        return true;
    }

    private static AuthenticationHeaderValue BasicAuth(TwilioOptions twilio) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{twilio.AccountSid}:{twilio.AuthToken}")));

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var error = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            return error.TryGetProperty("code", out var code) ? code.ToString() : $"http_{(int)response.StatusCode}";
        }
        catch (JsonException)
        {
            return $"http_{(int)response.StatusCode}";
        }
    }
}
