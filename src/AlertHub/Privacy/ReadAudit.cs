using System.Globalization;
using System.Text;
using System.Text.Json;
using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Privacy;

/// <summary>Which audit entries: a period (from inclusive, until exclusive), a subject, an actor, an action.</summary>
internal sealed record AuditFilter(DateTimeOffset? From, DateTimeOffset? Until, Guid? SubjectId, Guid? ActorId, string? Action)
{
    public IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> entries)
    {
        if (From is { } from) entries = entries.Where(e => e.At >= from);
        if (Until is { } until) entries = entries.Where(e => e.At < until);
        if (SubjectId is { } subject) entries = entries.Where(e => e.SubjectId == subject);
        if (ActorId is { } actor) entries = entries.Where(e => e.ActorId == actor);
        if (!string.IsNullOrWhiteSpace(Action)) entries = entries.Where(e => e.Action == Action.Trim());
        return entries;
    }
}

internal static class AuditFilterRules
{
    public static void AddFilterRules<T>(this AbstractValidator<T> validator, Func<T, AuditFilter> filter)
    {
        validator.RuleFor(q => filter(q).Action).MaximumLength(64).OverridePropertyName("action");
        validator.RuleFor(q => filter(q).Until).Must((q, until) => until > filter(q).From)
            .When(q => filter(q).From is not null && filter(q).Until is not null)
            .WithMessage("'until' ligt niet na 'from'.").OverridePropertyName("until");
    }
}

/// <summary>GET /api/admin/audit: newest first, a page at a time.</summary>
internal sealed record ReadAudit(AuditFilter Filter, int Page, int PageSize) : IQuery<AuditPage>;

internal sealed record AuditPage(IReadOnlyList<AuditEntryDto> Items, int Page, int PageSize, int Total);

internal sealed class ReadAuditValidator : AbstractValidator<ReadAudit>
{
    public const int MaxPageSize = 500;

    public ReadAuditValidator()
    {
        this.AddFilterRules(q => q.Filter);
        RuleFor(q => q.Page).GreaterThanOrEqualTo(1).OverridePropertyName("page");
        RuleFor(q => q.PageSize).InclusiveBetween(1, MaxPageSize).OverridePropertyName("pageSize");
    }
}

internal sealed class ReadAuditHandler(AlertHubDbContext db) : IQueryHandler<ReadAudit, AuditPage>
{
    public async ValueTask<AuditPage> Handle(ReadAudit query, CancellationToken ct)
    {
        var entries = query.Filter.Apply(db.AuditEntries.AsNoTracking());
        var total = await entries.CountAsync(ct);
        var page = await entries.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip((query.Page - 1) * query.PageSize).Take(query.PageSize)
            .ToListAsync(ct);
        return new AuditPage(page.Select(AuditEntryDto.From).ToList(), query.Page, query.PageSize, total);
    }
}

/// <summary>GET /api/admin/audit/export: the matching entries oldest first, as CSV or JSON, for the DPO.</summary>
internal sealed record ExportAudit(AuditFilter Filter, string Format) : IQuery<AuditDocument>;

internal sealed record AuditDocument(string Content, string ContentType, string FileName);

internal sealed class ExportAuditValidator : AbstractValidator<ExportAudit>
{
    public ExportAuditValidator()
    {
        this.AddFilterRules(q => q.Filter);
        RuleFor(q => q.Format).Must(f => f is "csv" or "json").WithMessage("Kies csv of json.").OverridePropertyName("format");
    }
}

internal sealed class ExportAuditHandler(AlertHubDbContext db, TimeProvider time) : IQueryHandler<ExportAudit, AuditDocument>
{
    public const int MaxRows = 100_000;
    private static readonly string[] Columns = ["id", "at", "actorId", "actorRole", "action", "subjectType", "subjectId", "regionId", "remoteIp", "via"];

    public async ValueTask<AuditDocument> Handle(ExportAudit query, CancellationToken ct)
    {
        var entries = query.Filter.Apply(db.AuditEntries.AsNoTracking());
        if (await entries.CountAsync(ct) > MaxRows)
        {
            throw Invalid.Field("from", $"Meer dan {MaxRows} regels; kies een kortere periode.");
        }
        var rows = (await entries.OrderBy(e => e.At).ThenBy(e => e.Id).ToListAsync(ct)).Select(AuditEntryDto.From).ToList();
        var name = $"auditlog-{time.GetUtcNow():yyyyMMdd-HHmm}";
        return query.Format == "json"
            ? new AuditDocument(JsonSerializer.Serialize(rows, AlertHubJson.Options), "application/json", name + ".json")
            : new AuditDocument(Csv(rows), "text/csv; charset=utf-8", name + ".csv");
    }

    private static string Csv(List<AuditEntryDto> rows)
    {
        var csv = new StringBuilder().AppendJoin(',', Columns).Append("\r\n");
        foreach (var e in rows)
        {
            csv.AppendJoin(',', new[]
            {
                e.Id.ToString(), e.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture), e.ActorId?.ToString(),
                e.ActorRole, e.Action, e.SubjectType, e.SubjectId?.ToString(), e.RegionId, e.RemoteIp, e.Via,
            }.Select(Field)).Append("\r\n");
        }
        return csv.ToString();
    }

    // Only ids and codes are stored, but a field is still quoted if it ever needs it; a leading =+-@ would be a
    // formula in a spreadsheet, so it is neutralised too.
    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
