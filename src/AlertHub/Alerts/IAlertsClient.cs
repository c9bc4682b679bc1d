using AlertHub.Client;

namespace AlertHub.Alerts;

/// <summary>What the server calls on connected clients. Public because SignalR builds a proxy for it.</summary>
public interface IAlertsClient
{
    Task AlertRaised(AlertDto alert);
    Task AlertUpdated(AlertDto alert);
    Task EvaluationDue(EvaluationDto evaluation);
}
