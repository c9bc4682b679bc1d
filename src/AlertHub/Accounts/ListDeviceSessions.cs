using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Accounts;

/// <summary>
/// R13: the devices still signed in for a person (not ended, window not over), most recently used first.
/// <see cref="Current"/> marks the caller's own device. An admin's look at someone's devices is audited.
/// </summary>
internal sealed record ListDeviceSessions(Guid PersonId, Guid CallerId, bool ByAdmin, Guid? Current) : IQuery<IReadOnlyList<DeviceSessionDto>>;

internal sealed class ListDeviceSessionsHandler(AlertHubDbContext db, TimeProvider time)
    : IQueryHandler<ListDeviceSessions, IReadOnlyList<DeviceSessionDto>>
{
    public async ValueTask<IReadOnlyList<DeviceSessionDto>> Handle(ListDeviceSessions query, CancellationToken ct)
    {
        if (query.ByAdmin && !await db.People.AnyAsync(p => p.Id == query.PersonId, ct))
        {
            throw new NotFoundException("Persoon niet gevonden.");
        }
        var now = time.GetUtcNow();
        var sessions = await db.DeviceSessions.AsNoTracking()
            .Where(s => s.PersonId == query.PersonId && s.RevokedAt == null && s.ExpiresAt > now)
            .OrderByDescending(s => s.LastSeenAt)
            .ToListAsync(ct);
        return [.. sessions.Select(s => DeviceSessionDto.From(s, query.Current))];
    }
}
