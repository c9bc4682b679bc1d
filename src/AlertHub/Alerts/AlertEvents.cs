using Mediator;

namespace AlertHub.Alerts;

/// <summary>
/// STYLE 16: raising publishes this before the save; Delivery (SMS fallback), Escalation and Evaluations
/// each add their own rows to the same unit of work, so the alert and everything it sets going are one
/// transaction and RaiseAlert knows none of their timers.
/// </summary>
internal sealed record AlertRaisedEvent(Alert Alert, DateTimeOffset Now) : INotification;

/// <summary>Resolved or cancelled; published before the save, so reactions commit with the decision.</summary>
internal sealed record AlertClosedEvent(Alert Alert, DateTimeOffset Now) : INotification;
