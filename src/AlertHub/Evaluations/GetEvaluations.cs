using AlertHub.Alerts;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Evaluations;

internal sealed record GetEvaluation(Guid CallerId, Guid EvaluationId) : IQuery<EvaluationDto>, ICallerMessage;

internal sealed class GetEvaluationHandler(AlertHubDbContext db, TimeProvider time, Callers callers) : IQueryHandler<GetEvaluation, EvaluationDto>
{
    public async ValueTask<EvaluationDto> Handle(GetEvaluation query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        return (await db.EvaluationForAsync(query.EvaluationId, caller, ct)).ToDto(time.Now());
    }
}

/// <summary>Evaluations the caller may see; overdue ones first, then by due time.</summary>
internal sealed record ListEvaluations(Guid CallerId, EvaluationStatus? Status) : IQuery<IReadOnlyList<EvaluationDto>>, ICallerMessage;

internal sealed class ListEvaluationsHandler(AlertHubDbContext db, TimeProvider time, Callers callers) : IQueryHandler<ListEvaluations, IReadOnlyList<EvaluationDto>>
{
    public async ValueTask<IReadOnlyList<EvaluationDto>> Handle(ListEvaluations query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var evaluations = db.Evaluations.AsNoTracking().VisibleTo(caller);
        if (query.Status is { } status)
        {
            evaluations = evaluations.Where(e => e.Status == status);
        }
        var now = time.Now();
        var list = await evaluations.OrderBy(e => e.DueAt).Take(500).WithDetails().ToListAsync(ct);
        return list.Select(e => e.ToDto(now)).OrderByDescending(e => e.Overdue).ThenBy(e => e.DueAt).ToList();
    }
}

/// <summary>Open action items across the evaluations the caller may see; overdue ones first.</summary>
internal sealed record ListOpenActionItems(Guid CallerId) : IQuery<IReadOnlyList<OpenActionItemDto>>, ICallerMessage;

internal sealed class ListOpenActionItemsHandler(AlertHubDbContext db, TimeProvider time, Callers callers)
    : IQueryHandler<ListOpenActionItems, IReadOnlyList<OpenActionItemDto>>
{
    public async ValueTask<IReadOnlyList<OpenActionItemDto>> Handle(ListOpenActionItems query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var today = DateOnly.FromDateTime(time.Now().UtcDateTime);
        var evaluations = await db.Evaluations.AsNoTracking().VisibleTo(caller)
            .Where(e => e.Status != EvaluationStatus.Cancelled && e.ActionItems.Any(a => !a.Done))
            .Include(e => e.Alert).Include(e => e.ActionItems)
            .AsSplitQuery()
            .ToListAsync(ct);
        var items = evaluations.SelectMany(e => e.ActionItems.Where(a => !a.Done).Select(a => new
        {
            a.Id, EvaluationId = e.Id, e.Alert!.SchoolName, e.Alert.RaisedAt, a.Description, a.Owner, a.DueDate,
        }));
        return items
            .Select(a => new OpenActionItemDto(a.Id, a.EvaluationId, a.SchoolName, a.RaisedAt, a.Description, a.Owner, a.DueDate,
                a.DueDate is { } due && due < today))
            .OrderByDescending(a => a.Overdue).ThenBy(a => a.DueDate ?? DateOnly.MaxValue).ThenBy(a => a.Description, StringComparer.Ordinal)
            .ToList();
    }
}
