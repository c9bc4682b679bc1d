using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Accounts;

/// <summary>
/// R13: ends a device session from "Mijn apparaten" (own devices only; another person's is 404) or by an admin
/// (any). Its cookie stops working at once, <see cref="DeviceSessionEnded"/> lets Web Push drop that device's
/// subscriptions in the same save, and live hub connections of the device are closed within seconds
/// (<c>ConnectionRechecker</c>). Audited as <c>device.ended</c>. Ending an ended one changes nothing.
/// </summary>
internal sealed record EndDeviceSession(Guid DeviceSessionId, Guid CallerId, bool ByAdmin) : ICommand;

internal sealed class EndDeviceSessionHandler(AlertHubDbContext db, TimeProvider time, IPublisher publisher)
    : ICommandHandler<EndDeviceSession>
{
    public async ValueTask<Unit> Handle(EndDeviceSession command, CancellationToken ct)
    {
        var session = await db.DeviceSessions.FirstOrDefaultAsync(s => s.Id == command.DeviceSessionId, ct);
        if (session is null || (!command.ByAdmin && session.PersonId != command.CallerId))
        {
            throw new NotFoundException("Apparaat niet gevonden.");
        }
        if (session.RevokedAt is not null)
        {
            return Unit.Value;
        }
        // Tracked, so the audit entry gets the owner's region.
        await db.People.FirstOrDefaultAsync(p => p.Id == session.PersonId, ct);
        session.End(time.GetUtcNow(), command.ByAdmin ? DeviceEndReason.EndedByAdmin : DeviceEndReason.EndedByPerson);
        await publisher.Publish(new DeviceSessionEnded(session.PersonId, session.Id), ct);
        await db.SaveChangesAsync(ct);
        return Unit.Value;
    }
}

/// <summary>
/// Sign out on a trusted device: the session of the cookie presented ends (only with its current or previous
/// secret, so nobody ends a session by its id alone). Not audited, like signing in.
/// </summary>
internal sealed record SignOutDevice(Guid SessionId, string Secret) : ICommand;

internal sealed class SignOutDeviceHandler(AlertHubDbContext db, TimeProvider time, IPublisher publisher) : ICommandHandler<SignOutDevice>
{
    public async ValueTask<Unit> Handle(SignOutDevice command, CancellationToken ct)
    {
        var session = await db.DeviceSessions.FirstOrDefaultAsync(s => s.Id == command.SessionId, ct);
        var presented = DeviceSecrets.Hash(command.Secret);
        if (session is null || session.RevokedAt is not null
            || !(DeviceSecrets.Matches(session.SecretHash, presented) || DeviceSecrets.Matches(session.PreviousSecretHash, presented)))
        {
            return Unit.Value;
        }
        session.End(time.GetUtcNow(), DeviceEndReason.SignedOut);
        await publisher.Publish(new DeviceSessionEnded(session.PersonId, session.Id), ct);
        await db.SaveChangesAsync(ct);
        return Unit.Value;
    }
}

/// <summary>
/// An admin ends every session of a person at once (a lost phone, a stolen token, someone leaving): each trusted
/// device is ended as above, password sign-ins lose their refresh token, and every access token already issued is
/// refused from the next request on (the security stamp changes, <see cref="SessionStamps"/>); live hub
/// connections close within seconds. Audited as <c>person.sessions_ended</c>.
/// </summary>
internal sealed record EndPersonSessions(Guid PersonId, Guid CallerId) : ICommand<EndedSessionsDto>;

/// <param name="DevicesEnded">How many trusted devices were still signed in and are now signed out.</param>
internal sealed record EndedSessionsDto(int DevicesEnded);

internal sealed class EndPersonSessionsHandler(
    AlertHubDbContext db, Microsoft.AspNetCore.Identity.UserManager<AppUser> users, TimeProvider time, IPublisher publisher, SessionStamps stamps)
    : ICommandHandler<EndPersonSessions, EndedSessionsDto>
{
    public async ValueTask<EndedSessionsDto> Handle(EndPersonSessions command, CancellationToken ct)
    {
        _ = await db.People.FirstOrDefaultAsync(p => p.Id == command.PersonId, ct) ?? throw new NotFoundException("Persoon niet gevonden.");
        var now = time.GetUtcNow();
        var sessions = await db.DeviceSessions.Where(s => s.PersonId == command.PersonId && s.RevokedAt == null).ToListAsync(ct);
        foreach (var session in sessions)
        {
            session.End(now, DeviceEndReason.EndedByAdmin);
            await publisher.Publish(new DeviceSessionEnded(session.PersonId, session.Id), ct);
        }
        var user = await users.FindByIdAsync(command.PersonId.ToString());
        if (user is not null)
        {
            // Saves the ended devices, their push subscriptions and the new stamp together.
            var result = await users.UpdateSecurityStampAsync(user);
            if (!result.Succeeded)
            {
                throw new ConflictException("De sessies konden niet worden beëindigd; probeer het opnieuw.");
            }
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }
        stamps.Forget(command.PersonId);
        return new EndedSessionsDto(sessions.Count);
    }
}
