using AlertHub.Infrastructure.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Accounts;

/// <summary>
/// R13: the device's cookie for a new access token. The secret is rotated every time; the previous one presented
/// again (after <see cref="DeviceSecrets.ReuseGrace"/>) ends the session: one of the two holders is not the device.
/// Refused (and nothing changes) when the session is unknown, ended or past its window, the secret is neither the
/// current nor the previous one, or the person was deactivated.
/// </summary>
internal sealed record RefreshDeviceSession(Guid SessionId, string Secret) : ICommand<DeviceRefreshOutcome>;

/// <summary><see cref="Secret"/> null: refused.</summary>
internal sealed record DeviceRefreshOutcome(Guid SessionId, Guid PersonId, string? Secret, DateTimeOffset ExpiresAt)
{
    public static readonly DeviceRefreshOutcome Refused = new(Guid.Empty, Guid.Empty, null, default);

    public bool Succeeded => Secret is not null;
}

internal sealed class RefreshDeviceSessionHandler(AlertHubDbContext db, TimeProvider time, IPublisher publisher, ILogger<RefreshDeviceSessionHandler> logger)
    : ICommandHandler<RefreshDeviceSession, DeviceRefreshOutcome>
{
    public async ValueTask<DeviceRefreshOutcome> Handle(RefreshDeviceSession command, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var session = await db.DeviceSessions.FirstOrDefaultAsync(s => s.Id == command.SessionId, ct);
        if (session is null || !session.IsActive(now)
            || !await db.People.AnyAsync(p => p.Id == session.PersonId && p.Active, ct))
        {
            return DeviceRefreshOutcome.Refused;
        }
        var presented = DeviceSecrets.Hash(command.Secret);
        var isCurrent = DeviceSecrets.Matches(session.SecretHash, presented);
        var isPrevious = !isCurrent && DeviceSecrets.Matches(session.PreviousSecretHash, presented);
        if (isPrevious && now - session.RotatedAt > DeviceSecrets.ReuseGrace)
        {
            logger.LogWarning("Device session {DeviceSessionId} of person {PersonId}: a replaced refresh secret was used again; ending the session",
                session.Id, session.PersonId);
            session.End(now, DeviceEndReason.SecretReused);
            await publisher.Publish(new DeviceSessionEnded(session.PersonId, session.Id), ct);
            await db.SaveChangesAsync(ct);
            return DeviceRefreshOutcome.Refused;
        }
        if (!isCurrent && !isPrevious)
        {
            return DeviceRefreshOutcome.Refused;
        }

        var secret = DeviceSecrets.NewSecret();
        if (isCurrent)
        {
            session.PreviousSecretHash = session.SecretHash;
            session.RotatedAt = now;
        }
        // Within the grace the previous secret rotates again; the chain keeps one "previous" and its time, so
        // the grace is never extended by using it.
        session.SecretHash = DeviceSecrets.Hash(secret);
        session.Generation++;
        session.LastSeenAt = now;
        await db.SaveChangesAsync(ct);
        return new DeviceRefreshOutcome(session.Id, session.PersonId, secret, session.ExpiresAt);
    }
}
