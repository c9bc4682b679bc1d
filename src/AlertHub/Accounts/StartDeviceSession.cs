using AlertHub.Infrastructure;
using AlertHub.Infrastructure.Data;
using Mediator;
using Microsoft.Extensions.Options;

namespace AlertHub.Accounts;

/// <summary>R13: a person signed in on a device they trust; the device gets a session and its first refresh secret.</summary>
internal sealed record StartDeviceSession(Guid PersonId, string? UserAgent) : ICommand<DeviceSessionStarted>;

/// <summary>The secret goes into the cookie and nowhere else; the database keeps its hash.</summary>
internal sealed record DeviceSessionStarted(Guid Id, string Secret, DateTimeOffset ExpiresAt);

internal sealed class StartDeviceSessionHandler(AlertHubDbContext db, TimeProvider time, IOptions<AuthOptions> options)
    : ICommandHandler<StartDeviceSession, DeviceSessionStarted>
{
    public async ValueTask<DeviceSessionStarted> Handle(StartDeviceSession command, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var secret = DeviceSecrets.NewSecret();
        var session = new DeviceSession
        {
            PersonId = command.PersonId,
            Name = DeviceNames.FromUserAgent(command.UserAgent),
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now.AddDays(options.Value.DeviceSessionDays),
            SecretHash = DeviceSecrets.Hash(secret),
        };
        db.DeviceSessions.Add(session);
        await db.SaveChangesAsync(ct);
        return new DeviceSessionStarted(session.Id, secret, session.ExpiresAt);
    }
}
