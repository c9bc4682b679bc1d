using System.Security.Claims;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using AlertHub.Partners;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Privacy;

/// <summary>
/// Writes the audit entry of every message <see cref="AuditPolicy"/> names. A change's entry is staged before
/// the handler runs and written by its SaveChanges (same transaction); a change that stored nothing (an
/// idempotent repeat, a refusal) leaves no entry. A view's entry is written after the handler succeeded.
/// A refused look or change (404: outside the region or not sent to the caller; 403: not the caller's role) is
/// written as <c>{action}.refused</c> with the subject's region, so a probe for other regions' alerts is seen.
/// </summary>
internal sealed class AuditBehavior<TMessage, TResponse>(AlertHubDbContext db, Callers callers, IHttpContextAccessor http, TimeProvider time, IServiceScopeFactory scopes)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (AuditPolicy.For(message) is not { } request)
        {
            return await next(message, cancellationToken);
        }
        var entry = await NewEntryAsync(request, cancellationToken);
        if (request.Action.IsChange)
        {
            var pending = db.AuditTrail.Stage(entry);
            try
            {
                return await next(message, cancellationToken);
            }
            catch (Exception e) when (e is NotFoundException or ForbiddenException)
            {
                await RecordRefusalAsync(entry);
                throw;
            }
            finally
            {
                db.AuditTrail.Remove(pending);
            }
        }

        TResponse response;
        try
        {
            response = await next(message, cancellationToken);
        }
        catch (Exception e) when (e is NotFoundException or ForbiddenException)
        {
            await RecordRefusalAsync(entry);
            throw;
        }
        if (entry.SubjectId is { } subjectId)
        {
            entry.RegionId = await AuditSubjects.RegionAsync(db, entry.SubjectType, subjectId, CancellationToken.None) ?? entry.RegionId;
        }
        db.AuditEntries.Add(entry);
        // The view has happened once the handler answered; a client that went away must not erase the trace.
        await db.SaveChangesAsync(CancellationToken.None);
        return response;
    }

    /// <summary>In a scope of its own: what the refused handler left tracked in this one must not be saved with it.</summary>
    private async Task RecordRefusalAsync(AuditEntry attempt)
    {
        await using var scope = scopes.CreateAsyncScope();
        var own = scope.ServiceProvider.GetRequiredService<AlertHubDbContext>();
        var refusal = new AuditEntry
        {
            At = attempt.At,
            ActorId = attempt.ActorId,
            ActorRole = attempt.ActorRole,
            Action = attempt.Action + ".refused",
            SubjectType = attempt.SubjectType,
            SubjectId = attempt.SubjectId,
            RegionId = attempt.RegionId,
            RemoteIp = attempt.RemoteIp,
            Via = attempt.Via,
        };
        if (refusal.SubjectId is { } subjectId)
        {
            // The region that was probed, so its privacy officer sees it (unknown ids keep the actor's).
            refusal.RegionId = await AuditSubjects.RegionAsync(own, refusal.SubjectType, subjectId, CancellationToken.None) ?? refusal.RegionId;
        }
        own.AuditEntries.Add(refusal);
        await own.SaveChangesAsync(CancellationToken.None);
    }

    private async Task<AuditEntry> NewEntryAsync(AuditRequest request, CancellationToken ct)
    {
        var context = http.HttpContext;
        var actorId = request.ActorId
            ?? (Guid.TryParse(context?.User.FindFirstValue(ClaimTypes.NameIdentifier), out var signedIn) ? signedIn : (Guid?)null)
            ?? context?.User.ClientId();
        // The person is the one the authorization behaviour and the handler use next (loaded once per scope).
        var actor = actorId is { } id
            ? (await callers.FindAsync(id, ct) is { } person ? new { Role = person.Role.ToString(), person.RegionId } : null)
                // a partner system's API client acts as itself, in its organisation's region
                ?? await db.ApiClients.AsNoTracking().Where(c => c.Id == id).Select(c => new { Role = AuditActors.ApiClient, RegionId = (string?)c.RegionId }).FirstOrDefaultAsync(ct)
            : null;
        return new AuditEntry
        {
            At = time.Now(),
            ActorId = actorId,
            ActorRole = actor?.Role ?? (actorId is null ? "system" : null),
            Action = request.Action.Name,
            SubjectType = request.Action.SubjectType,
            SubjectId = request.SubjectId,
            // The actor's region until the subject's is known (lists have no single subject).
            RegionId = actor?.RegionId,
            RemoteIp = RemoteIp(context),
            Via = Via(context),
        };
    }

    private static string? RemoteIp(HttpContext? context)
    {
        var address = context?.Connection.RemoteIpAddress;
        return address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private static string Via(HttpContext? context) =>
        context is null ? "system"
        : context.Request.Path.StartsWithSegments("/hubs") ? "hub"
        : context.Request.Path.StartsWithSegments("/webhooks") ? "sms"
        : "http";
}

internal static class AuditActors
{
    /// <summary><see cref="AuditEntry.ActorRole"/> of a partner system (<see cref="AuditEntry.ActorId"/> is then the client's id).</summary>
    public const string ApiClient = "api-client";
}
