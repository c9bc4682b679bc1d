using AlertHub.Alerts;
using AlertHub.Client;

namespace AlertHub.Partners.Webhooks;

/// <summary>
/// The body of every webhook (README "Webhooks"). <see cref="Summary"/> always: no names, no notes, no phone
/// numbers. <see cref="Alert"/> (the alert as its recipients see it) only when the organisation is a recipient of
/// the alert (R16, need-to-know). The alert is as it stands when the delivery is sent; <c>version</c> orders them.
/// </summary>
internal sealed record WebhookPayload(
    Guid Id,
    string Event,
    DateTimeOffset OccurredAt,
    string OrganisationId,
    bool OrganisationIsRecipient,
    WebhookAlertSummary Summary,
    AlertDto? Alert);

/// <summary>What any organisation of the region may know of an alert.</summary>
internal sealed record WebhookAlertSummary(
    Guid Id,
    long Sequence,
    string RegionId,
    string SchoolId,
    string SchoolName,
    AlertKind Kind,
    AlertStatus Status,
    DateTimeOffset RaisedAt,
    DateTimeOffset? ClosedAt,
    int Recipients,
    int Answered,
    long Version)
{
    public static WebhookAlertSummary Of(Alert alert) => new(
        alert.Id, alert.Sequence, alert.RegionId, alert.SchoolId, alert.SchoolName, alert.Kind, alert.Status,
        alert.RaisedAt, alert.ClosedAt, alert.Recipients.Count, alert.Recipients.Count(r => r.Response is not null), alert.Version);
}

internal static class WebhookPayloads
{
    public static WebhookPayload For(WebhookDelivery delivery, Alert alert)
    {
        var recipient = alert.Recipients.Any(r => r.OrganisationId == delivery.OrganisationId);
        return new WebhookPayload(delivery.Id, delivery.Event, delivery.CreatedAt, delivery.OrganisationId, recipient,
            WebhookAlertSummary.Of(alert), recipient && alert.PurgedAt is null ? alert.ToDto() : null);
    }
}
