using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

internal sealed record GetAlert(Guid CallerId, Guid AlertId) : IQuery<AlertDto>;

internal sealed class GetAlertHandler(AlertHubDbContext db) : IQueryHandler<GetAlert, AlertDto>
{
    public async ValueTask<AlertDto> Handle(GetAlert query, CancellationToken ct)
    {
        var caller = await db.CallerAsync(query.CallerId, ct);
        var alert = await db.AlertInRegionAsync(query.AlertId, caller, ct);
        return alert.ToDto();
    }
}

internal sealed record ListAlerts(Guid CallerId, AlertStatus? Status) : IQuery<IReadOnlyList<AlertDto>>;

internal sealed class ListAlertsHandler(AlertHubDbContext db) : IQueryHandler<ListAlerts, IReadOnlyList<AlertDto>>
{
    private const int Limit = 200;

    public async ValueTask<IReadOnlyList<AlertDto>> Handle(ListAlerts query, CancellationToken ct)
    {
        var caller = await db.CallerAsync(query.CallerId, ct);
        var alerts = db.Alerts.AsNoTracking().VisibleTo(caller);
        if (query.Status is { } status)
        {
            alerts = alerts.Where(a => a.Status == status);
        }
        var page = await alerts.OrderByDescending(a => a.Sequence).Take(Limit).WithDetails().ToListAsync(ct);
        return page.Select(a => a.ToDto()).ToList();
    }
}

/// <summary>R11: catch-up after a reconnect; everything after the last sequence the client saw, oldest first.</summary>
internal sealed record GetAlertsSince(Guid CallerId, long Sequence) : IQuery<IReadOnlyList<AlertDto>>;

internal sealed class GetAlertsSinceValidator : AbstractValidator<GetAlertsSince>
{
    public GetAlertsSinceValidator() => RuleFor(q => q.Sequence).GreaterThanOrEqualTo(0);
}

internal sealed class GetAlertsSinceHandler(AlertHubDbContext db) : IQueryHandler<GetAlertsSince, IReadOnlyList<AlertDto>>
{
    private const int Limit = 500;

    public async ValueTask<IReadOnlyList<AlertDto>> Handle(GetAlertsSince query, CancellationToken ct)
    {
        var caller = await db.CallerAsync(query.CallerId, ct);
        var page = await db.Alerts.AsNoTracking().VisibleTo(caller)
            .Where(a => a.Sequence > query.Sequence)
            .OrderBy(a => a.Sequence)
            .Take(Limit)
            .WithDetails()
            .ToListAsync(ct);
        return page.Select(a => a.ToDto()).ToList();
    }
}
