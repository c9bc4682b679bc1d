using System.Net.Http.Headers;
using System.Text.Json;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Partners.Webhooks;

/// <summary>
/// Sends one <see cref="WebhookDelivery"/>: signed, with a timeout; a 2xx answer is delivered. Anything else (an
/// error status, a timeout, no connection, an address no longer allowed) is tried again after 10 s, 30 s, 2 min,
/// 10 min, 30 min and then hourly, until <see cref="PartnerOptions.WebhookMaxAttempts"/>: then the delivery is dead
/// and waits for an admin or the client to send it again. Every attempt carries the same delivery id, so a
/// receiver that got one whose answer was lost can see it is a repeat.
/// </summary>
internal sealed class WebhookSendJob(
    AlertHubDbContext db,
    WebhookSecrets secrets,
    IHttpClientFactory http,
    TimeProvider time,
    IOptions<PartnerOptions> options,
    ILogger<WebhookSendJob> logger) : IJobHandler
{
    public const string HttpClientName = "webhooks";
    private static readonly TimeSpan[] Backoff =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30),
    ];

    public string Kind => JobKinds.WebhookSend;

    public TimeSpan? Lease => options.Value.WebhookTimeout + TimeSpan.FromSeconds(30);

    public async Task<DateTimeOffset?> RunAsync(ScheduledJob job, CancellationToken ct)
    {
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == job.SubjectId, ct);
        if (delivery is null || delivery.State != WebhookDeliveryState.Pending)
        {
            return null;
        }
        var endpoint = await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.OrganisationId == delivery.OrganisationId, ct);
        var alert = await db.Alerts.AsNoTracking().WithDetails().FirstOrDefaultAsync(a => a.Id == delivery.AlertId, ct);
        if (endpoint is null || !endpoint.Active || alert is null)
        {
            delivery.State = WebhookDeliveryState.Dead;
            delivery.LastError = endpoint is null || !endpoint.Active ? "Geen actief webhook-adres meer." : "De melding bestaat niet meer.";
            await db.SaveChangesAsync(CancellationToken.None);
            return null;
        }

        var settings = options.Value;
        var now = time.Now();
        delivery.Attempts++;
        delivery.LastAttemptAt = now;
        var (status, error) = await SendAsync(endpoint, delivery, alert, now, settings, ct);
        delivery.LastStatus = status;
        delivery.LastError = error;
        DateTimeOffset? again = null;
        if (error is null)
        {
            delivery.State = WebhookDeliveryState.Delivered;
            delivery.DeliveredAt = time.Now();
        }
        else if (delivery.Attempts >= settings.WebhookMaxAttempts)
        {
            delivery.State = WebhookDeliveryState.Dead;
            logger.LogWarning("Webhook {DeliveryId} ({Event}) to organisation {OrganisationId} is dead after {Attempts} attempts: {Error}",
                delivery.Id, delivery.Event, delivery.OrganisationId, delivery.Attempts, error);
        }
        else
        {
            again = time.Now() + (delivery.Attempts <= Backoff.Length ? Backoff[delivery.Attempts - 1] : TimeSpan.FromHours(1));
        }
        await db.SaveChangesAsync(CancellationToken.None);
        return again;
    }

    private async Task<(int? Status, string? Error)> SendAsync(
        WebhookEndpoint endpoint, WebhookDelivery delivery, Alert alert, DateTimeOffset now, PartnerOptions settings, CancellationToken ct)
    {
        if (WebhookRules.Check(endpoint.Url, settings.WebhookAllowLoopbackHttp) is { } refused)
        {
            return (null, refused);
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(WebhookPayloads.For(delivery, alert), AlertHubJson.Options);
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.EventHeader, delivery.Event);
        request.Headers.Add(WebhookSignature.DeliveryHeader, delivery.Id.ToString());
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secrets.Unprotect(endpoint.ProtectedSecret), timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.WebhookTimeout); // network time: the real clock
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, $"Antwoord {code}.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"Geen antwoord binnen {settings.WebhookTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e) when (e.GetBaseException() is WebhookAddressRefusedException)
        {
            return (null, WebhookConnector.Refusal);
        }
        catch (HttpRequestException e)
        {
            return (null, e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "Niet bereikbaar: de naam van het adres is onbekend.",
                HttpRequestError.ConnectionError => "Niet bereikbaar: geen verbinding.",
                HttpRequestError.SecureConnectionError => "Niet bereikbaar: de beveiligde verbinding (TLS) mislukte.",
                _ => "Niet bereikbaar: de verbinding mislukte.",
            });
        }
    }
}
