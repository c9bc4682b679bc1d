using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Scheduling;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AlertHub.Partners.Webhooks;

/// <summary>An organisation's webhook; <see cref="Secret"/> only in the answer that made it (a new endpoint, or <c>newSecret</c>).</summary>
internal sealed record WebhookDto(string OrganisationId, string Url, bool Active, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Secret = null);

internal sealed record SetWebhookRequest(string? Url, bool? Active, bool? NewSecret);

/// <summary>Sets (or changes) an organisation's webhook address; a new endpoint gets a new secret, shown once.</summary>
internal sealed record SetWebhook(string OrganisationId, string? Url, bool? Active, bool NewSecret) : ICommand<WebhookDto>;

internal sealed class SetWebhookHandler(AlertHubDbContext db, WebhookSecrets secrets, WebhookDirectory directory, TimeProvider time, IOptions<PartnerOptions> options)
    : ICommandHandler<SetWebhook, WebhookDto>
{
    public async ValueTask<WebhookDto> Handle(SetWebhook command, CancellationToken ct)
    {
        if (!await db.Organisations.AnyAsync(o => o.Id == command.OrganisationId, ct))
        {
            throw new NotFoundException("Organisatie niet gevonden.");
        }
        if (WebhookRules.Check(command.Url, options.Value.WebhookAllowLoopbackHttp) is { } problem)
        {
            throw Invalid.Field("url", problem);
        }
        var now = time.Now();
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.OrganisationId == command.OrganisationId, ct);
        string? secret = null;
        if (endpoint is null)
        {
            secret = WebhookSecrets.New();
            endpoint = new WebhookEndpoint
            {
                OrganisationId = command.OrganisationId, Url = command.Url!, ProtectedSecret = secrets.Protect(secret), CreatedAt = now,
            };
            db.WebhookEndpoints.Add(endpoint);
        }
        else if (command.NewSecret)
        {
            secret = WebhookSecrets.New();
            endpoint.ProtectedSecret = secrets.Protect(secret);
        }
        endpoint.Url = command.Url!;
        endpoint.Active = command.Active ?? endpoint.Active;
        endpoint.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        directory.Forget();
        return new WebhookDto(endpoint.OrganisationId, endpoint.Url, endpoint.Active, endpoint.CreatedAt, endpoint.UpdatedAt, secret);
    }
}

internal sealed record GetWebhook(string OrganisationId) : IQuery<WebhookDto>;

internal sealed class GetWebhookHandler(AlertHubDbContext db) : IQueryHandler<GetWebhook, WebhookDto>
{
    public async ValueTask<WebhookDto> Handle(GetWebhook query, CancellationToken ct)
    {
        var e = await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.OrganisationId == query.OrganisationId, ct)
            ?? throw new NotFoundException("Deze organisatie heeft geen webhook.");
        return new WebhookDto(e.OrganisationId, e.Url, e.Active, e.CreatedAt, e.UpdatedAt);
    }
}

internal sealed record RemoveWebhook(string OrganisationId) : ICommand<Unit>;

internal sealed class RemoveWebhookHandler(AlertHubDbContext db, WebhookDirectory directory) : ICommandHandler<RemoveWebhook, Unit>
{
    public async ValueTask<Unit> Handle(RemoveWebhook command, CancellationToken ct)
    {
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.OrganisationId == command.OrganisationId, ct)
            ?? throw new NotFoundException("Deze organisatie heeft geen webhook.");
        db.WebhookEndpoints.Remove(endpoint);
        await db.SaveChangesAsync(ct);
        directory.Forget();
        return Unit.Value;
    }
}

internal sealed record WebhookDeliveryDto(
    Guid Id, string OrganisationId, Guid AlertId, string Event, WebhookDeliveryState State, int Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, int? LastStatus, string? LastError, DateTimeOffset? DeliveredAt)
{
    public static WebhookDeliveryDto From(WebhookDelivery d) =>
        new(d.Id, d.OrganisationId, d.AlertId, d.Event, d.State, d.Attempts, d.CreatedAt, d.LastAttemptAt, d.LastStatus, d.LastError, d.DeliveredAt);
}

/// <summary>The deliveries (newest first by their time-ordered id, at most 200); <c>state=dead</c> is the dead-letter view. An API client sees only its organisation's.</summary>
internal sealed record ListWebhookDeliveries(string? OrganisationId, WebhookDeliveryState? State) : IQuery<IReadOnlyList<WebhookDeliveryDto>>;

internal sealed class ListWebhookDeliveriesHandler(AlertHubDbContext db) : IQueryHandler<ListWebhookDeliveries, IReadOnlyList<WebhookDeliveryDto>>
{
    public async ValueTask<IReadOnlyList<WebhookDeliveryDto>> Handle(ListWebhookDeliveries query, CancellationToken ct)
    {
        var rows = db.WebhookDeliveries.AsNoTracking();
        if (!string.IsNullOrEmpty(query.OrganisationId))
        {
            rows = rows.Where(d => d.OrganisationId == query.OrganisationId);
        }
        if (query.State is { } state)
        {
            rows = rows.Where(d => d.State == state);
        }
        return (await rows.OrderByDescending(d => d.Id) /* version 7: newest first */.Take(200).ToListAsync(ct))
            .Select(WebhookDeliveryDto.From).ToList();
    }
}

/// <summary>Sends a dead (or delivered) delivery again, with a fresh round of attempts; the same delivery id.</summary>
internal sealed record ResendWebhookDelivery(Guid Id, string? OrganisationId) : ICommand<WebhookDeliveryDto>;

internal sealed class ResendWebhookDeliveryHandler(AlertHubDbContext db, JobWorker worker, TimeProvider time)
    : ICommandHandler<ResendWebhookDelivery, WebhookDeliveryDto>
{
    public async ValueTask<WebhookDeliveryDto> Handle(ResendWebhookDelivery command, CancellationToken ct)
    {
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == command.Id, ct);
        if (delivery is null || (command.OrganisationId is { } own && delivery.OrganisationId != own))
        {
            throw new NotFoundException("Aflevering niet gevonden.");
        }
        if (delivery.State == WebhookDeliveryState.Pending)
        {
            throw new ConflictException("Deze aflevering wordt al verstuurd.");
        }
        var now = time.Now();
        delivery.State = WebhookDeliveryState.Pending;
        delivery.Attempts = 0;
        delivery.DeliveredAt = null;
        // One job per delivery (kind and subject are unique): the finished one is set going again.
        var job = await db.ScheduledJobs.FirstOrDefaultAsync(j => j.Kind == JobKinds.WebhookSend && j.SubjectId == delivery.Id, ct);
        if (job is null)
        {
            db.ScheduledJobs.Add(new ScheduledJob { Kind = JobKinds.WebhookSend, SubjectId = delivery.Id, DueAt = now, CreatedAt = now });
        }
        else
        {
            job.CompletedAt = null;
            job.DueAt = now;
            job.Attempts = 0;
            job.ClaimedBy = null;
            job.ClaimedUntil = null;
            job.LastError = null;
            // Written whether or not they changed since the read: the worker may mark the last run complete between
            // the read and this save, and an unchanged null would leave its "completed" standing (found in CI).
            var entry = db.Entry(job);
            foreach (var property in new[] { nameof(job.CompletedAt), nameof(job.DueAt), nameof(job.Attempts), nameof(job.ClaimedBy), nameof(job.ClaimedUntil), nameof(job.LastError) })
            {
                entry.Property(property).IsModified = true;
            }
        }
        await db.SaveChangesAsync(ct);
        worker.Wake();
        return WebhookDeliveryDto.From(delivery);
    }
}
