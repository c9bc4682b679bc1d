using AlertHub.Accounts;
using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Evaluations;
using AlertHub.People;

namespace AlertHub.Privacy;

/// <summary>What an audited message did, to whom, and who did it (null: the signed-in user of the request).</summary>
internal sealed record AuditRequest(AuditAction Action, Guid? SubjectId, Guid? ActorId);

/// <summary>
/// The one table of what is audited, kept in one place so a privacy officer can read it: every message
/// that shows or changes an alert, an evaluation or a person, and an admin's look at or end of someone's
/// trusted devices (a person ending their own device is audited too; signing in and out is not). Not audited: pushes and SMS (deliveries,
/// recorded as recipients and SMS rows), receipts, the hub's catch-up and the dashboard (no personal data).
/// </summary>
internal static class AuditPolicy
{
    public static AuditRequest? For(object message) => message switch
    {
        GetAlert m => new(AuditAction.AlertViewed, m.AlertId, m.CallerId),
        GetAlertByCode m => new(AuditAction.AlertViewed, null, m.CallerId),
        GetAlertContacts m => new(AuditAction.AlertContactsViewed, m.AlertId, m.CallerId),
        ChangeAlertKind m => new(AuditAction.AlertKindChanged, m.AlertId, m.CallerId),
        ListAlerts m => new(AuditAction.AlertsListed, null, m.CallerId),
        RaiseAlert m => new(AuditAction.AlertRaised, null, m.CallerId),
        AcknowledgeAlert m => new(AuditAction.AlertAcknowledged, m.AlertId, m.CallerId),
        PostUpdate m => new(AuditAction.AlertUpdated, m.AlertId, m.CallerId),
        SetInstruction m => new(AuditAction.AlertUpdated, m.AlertId, m.CallerId),
        GetDrillReport m => new(AuditAction.AlertViewed, m.AlertId, m.CallerId),
        ExportDrillReport m => new(AuditAction.AlertViewed, m.AlertId, m.CallerId),
        CloseAlert m => new(m.To == AlertStatus.Cancelled ? AuditAction.AlertCancelled : AuditAction.AlertResolved, m.AlertId, m.CallerId),

        GetEvaluation m => new(AuditAction.EvaluationViewed, m.EvaluationId, m.CallerId),
        ListEvaluations m => new(AuditAction.EvaluationsListed, null, m.CallerId),
        UpdateEvaluation m => new(AuditAction.EvaluationChanged, m.EvaluationId, m.CallerId),
        CloseEvaluation m => new(AuditAction.EvaluationClosed, m.EvaluationId, m.CallerId),
        ExportEvaluations m => new(AuditAction.EvaluationExported, m.EvaluationId, m.CallerId),

        GetPerson m => new(AuditAction.PersonViewed, m.Id, null),
        ListPeople => new(AuditAction.PeopleListed, null, null),
        CreatePerson => new(AuditAction.PersonCreated, null, null),
        UpdatePerson m => new(AuditAction.PersonChanged, m.Id, null),
        ImportDirectory => new(AuditAction.DirectoryImported, null, null),
        ExportPerson m => new(AuditAction.PersonExported, m.PersonId, null),
        Delivery.SetAlarmCode m => new(AuditAction.AlarmCodeSet, m.CallerId, m.CallerId),
        Delivery.ListFlaggedNumbers => new(AuditAction.FlaggedNumbersListed, null, null),

        ListDeviceSessions { ByAdmin: true } m => new(AuditAction.DevicesListed, m.PersonId, m.CallerId),
        EndDeviceSession m => new(AuditAction.DeviceEnded, m.DeviceSessionId, m.CallerId),
        EndPersonSessions m => new(AuditAction.PersonSessionsEnded, m.PersonId, m.CallerId),

        Partners.ListPartnerAlerts => new(AuditAction.AlertsListed, null, null),
        Partners.GetPartnerAlert m => new(AuditAction.AlertViewed, m.AlertId, null),
        Partners.AnswerForOrganisation m => new(AuditAction.AlertAcknowledged, m.AlertId, null),
        Partners.CreateApiClient m => new(AuditAction.ApiClientCreated, null, m.CallerId),
        Partners.RevokeApiClient m => new(AuditAction.ApiClientRevoked, m.Id, m.CallerId),
        Partners.RecordClientToken m => new(AuditAction.ApiClientToken, m.ClientId, m.ClientId),
        Partners.Webhooks.SetWebhook => new(AuditAction.WebhookChanged, null, null),
        Partners.Webhooks.RemoveWebhook => new(AuditAction.WebhookChanged, null, null),
        Partners.Webhooks.ListWebhookDeliveries => new(AuditAction.WebhookDeliveriesListed, null, null),
        Partners.Webhooks.ResendWebhookDelivery m => new(AuditAction.WebhookResent, m.Id, null),

        ReadAudit => new(AuditAction.AuditViewed, null, null),
        ExportAudit => new(AuditAction.AuditExported, null, null),
        _ => null,
    };
}
