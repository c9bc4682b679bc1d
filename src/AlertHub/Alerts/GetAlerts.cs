using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Alerts;

internal sealed record GetAlert(Guid CallerId, Guid AlertId) : IQuery<AlertDto>, ICallerMessage;

internal sealed class GetAlertHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<GetAlert, AlertDto>
{
    public async ValueTask<AlertDto> Handle(GetAlert query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var alert = await db.AlertInRegionAsync(query.AlertId, caller, ct);
        return alert.ToDto();
    }
}

/// <summary>The SMS link <c>/m/{code}</c> after sign-in: the alert it names, if the reader may see it (else 404, as for an unknown code).</summary>
internal sealed record GetAlertByCode(Guid CallerId, string Code) : IQuery<AlertDto>, ICallerMessage;

internal sealed class GetAlertByCodeHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<GetAlertByCode, AlertDto>
{
    public async ValueTask<AlertDto> Handle(GetAlertByCode query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var code = query.Code.Trim().ToUpperInvariant();
        var id = await db.Alerts.VisibleTo(caller).Where(a => a.ShortCode == code).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("Deze link hoort niet bij een melding die u kunt zien.");
        return (await db.Alerts.WithDetails().FirstAsync(a => a.Id == id, ct)).ToDto();
    }
}

internal sealed record ListAlerts(Guid CallerId, AlertStatus? Status) : IQuery<IReadOnlyList<AlertDto>>, ICallerMessage;

internal sealed class ListAlertsHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<ListAlerts, IReadOnlyList<AlertDto>>
{
    private const int Limit = 200;

    public async ValueTask<IReadOnlyList<AlertDto>> Handle(ListAlerts query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var alerts = db.Alerts.AsNoTracking().VisibleTo(caller);
        if (query.Status is { } status)
        {
            alerts = alerts.Where(a => a.Status == status);
        }
        var page = await alerts.OrderByDescending(a => a.Sequence).Take(Limit).WithDetails().ToListAsync(ct);
        return page.Select(a => a.ToDto()).ToList();
    }
}

/// <summary>
/// R11, v1: catch-up after a reconnect by sequence, oldest first. A sequence is drawn at insert, before the
/// commit, so an alert with a lower sequence can commit after one the client already saw; everything whose
/// raise committed after the raise of the client's last sequence (<see cref="Alert.RaiseOrder"/>) is
/// returned as well, so such a late commit is never skipped. Clients drop what they already hold by id.
/// </summary>
internal sealed record GetAlertsSince(Guid CallerId, long Sequence) : IQuery<IReadOnlyList<AlertDto>>, ICallerMessage;

internal sealed class GetAlertsSinceValidator : AbstractValidator<GetAlertsSince>
{
    public GetAlertsSinceValidator() => RuleFor(q => q.Sequence).GreaterThanOrEqualTo(0);
}

internal sealed class GetAlertsSinceHandler(AlertHubDbContext db, Callers callers) : IQueryHandler<GetAlertsSince, IReadOnlyList<AlertDto>>
{
    private const int Limit = 500;

    public async ValueTask<IReadOnlyList<AlertDto>> Handle(GetAlertsSince query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        var sequence = query.Sequence;
        var mark = await db.Alerts.Where(a => a.Sequence <= sequence).OrderByDescending(a => a.Sequence)
            .Select(a => (long?)a.RaiseOrder).FirstOrDefaultAsync(ct) ?? 0;
        var page = await db.Alerts.AsNoTracking().VisibleTo(caller)
            .Where(a => a.Sequence > sequence || a.RaiseOrder > mark)
            .OrderBy(a => a.Sequence)
            .Take(Limit)
            .WithDetails()
            .ToListAsync(ct);
        return page.Select(a => a.ToDto()).ToList();
    }
}

/// <summary>CONTRACT v2 change feed: the latest state of every visible alert that changed after the cursor.</summary>
internal sealed record GetChangesSince(Guid CallerId, string? Cursor) : IQuery<AlertChangesDto>, ICallerMessage;

internal sealed class GetChangesSinceValidator : AbstractValidator<GetChangesSince>
{
    public GetChangesSinceValidator() =>
        RuleFor(q => q.Cursor).Must(c => c is null || ChangeCursor.TryParse(c, out _))
            .WithMessage("Ongeldige cursor: geef de cursor door die de vorige keer terugkwam, of geen.");
}

/// <summary>
/// The cursor is a position in commit order (<see cref="AlertVersions"/>): every change at or before it has
/// committed, so "after the cursor" cannot skip a slow commit. Without a page limit the next cursor is the
/// counter as read before the query; a full page ends at its last change and says <c>more</c>.
/// </summary>
internal sealed class GetChangesSinceHandler(AlertHubDbContext db, TimeProvider time, Callers callers) : IQueryHandler<GetChangesSince, AlertChangesDto>
{
    private const int Limit = 200;
    public static readonly TimeSpan ClosedWithin = TimeSpan.FromHours(24);

    public async ValueTask<AlertChangesDto> Handle(GetChangesSince query, CancellationToken ct)
    {
        var caller = await callers.ActiveAsync(query.CallerId, ct);
        // Read first: whatever committed up to here is in the query below.
        var head = await db.ChangeCounters.Where(c => c.Id == 1).Select(c => c.Value).SingleAsync(ct);
        var alerts = db.Alerts.AsNoTracking().VisibleTo(caller);
        long from = 0;
        if (query.Cursor is { } cursor && ChangeCursor.TryParse(cursor, out from))
        {
            alerts = alerts.Where(a => a.ChangeSeq > from);
        }
        else
        {
            var since = time.Now() - ClosedWithin;
            alerts = alerts.Where(a => a.Status == AlertStatus.Open || a.ClosedAt >= since);
        }
        var page = await alerts.OrderBy(a => a.ChangeSeq).Take(Limit + 1).WithDetails().ToListAsync(ct);
        var more = page.Count > Limit;
        if (more)
        {
            page.RemoveAt(Limit);
        }
        var next = more ? page[^1].ChangeSeq : Math.Max(from, head);
        return new AlertChangesDto(page.Select(a => a.ToDto()).ToList(), ChangeCursor.Format(next), more);
    }
}

/// <summary>Opaque to clients (CONTRACT v2); "c1." and the position, so a future format can be told apart.</summary>
internal static class ChangeCursor
{
    private const string Prefix = "c1.";

    public static string Format(long position) => Prefix + position.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParse(string value, out long position)
    {
        position = 0;
        return value.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(value.AsSpan(Prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out position);
    }
}
