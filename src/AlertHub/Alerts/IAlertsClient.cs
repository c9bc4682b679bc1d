using AlertHub.Client;

namespace AlertHub.Alerts;

/// <summary>What the server calls on connected clients. Public because SignalR builds a proxy for it.</summary>
public interface IAlertsClient
{
    Task AlertRaised(AlertDto alert);
    Task AlertUpdated(AlertDto alert);
    Task EvaluationDue(EvaluationDto evaluation);

    /// <summary>Issue 17: the silent opening check; a live client answers with <c>AnswerReadinessCheck</c>.</summary>
    Task ReadinessCheck(ReadinessPingDto check);
}
