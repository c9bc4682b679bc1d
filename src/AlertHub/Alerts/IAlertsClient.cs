using AlertHub.Client;

namespace AlertHub.Alerts;

/// <summary>What the server calls on connected clients. Public because SignalR builds a proxy for it.</summary>
public interface IAlertsClient
{
    Task AlertRaised(AlertDto alert);
    Task AlertUpdated(AlertDto alert);
    Task EvaluationDue(EvaluationDto evaluation);

    /// <summary>Issue 16: receipts and SMS states as a small versioned delta, to followers that asked for it.</summary>
    Task AlertRecipientsChanged(RecipientsChangedDto delta);

    /// <summary>Issue 17: the silent opening check; a live client answers with <c>AnswerReadinessCheck</c>.</summary>
    Task ReadinessCheck(ReadinessPingDto check);
}
