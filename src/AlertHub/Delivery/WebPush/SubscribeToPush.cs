using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Security;
using AlertHub.Infrastructure;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Delivery.WebPush;

/// <summary>CONTRACT v2: a browser's <c>PushSubscription.toJSON()</c>, as posted to <c>/api/push/subscriptions</c>.</summary>
internal sealed record PushSubscriptionRequest(string? Endpoint, double? ExpirationTime, PushSubscriptionKeys? Keys);

internal sealed record PushSubscriptionKeys(string? P256dh, string? Auth);

internal sealed record PushSubscriptionCreated(Guid Id);

/// <summary>Stores (or re-binds to the caller) the subscription of the browser the caller is signed in on.</summary>
internal sealed record SubscribeToPush(Guid CallerId, Guid? DeviceSessionId, string? Endpoint, string? P256dh, string? Auth)
    : ICommand<SubscribeToPushResult>, ICallerMessage;

internal sealed record SubscribeToPushResult(Guid Id, bool Created);

internal static class PushSubscriptionRules
{
    public const int MaxEndpointLength = 1024;
}

internal sealed class SubscribeToPushValidator : AbstractValidator<SubscribeToPush>
{
    public SubscribeToPushValidator(PushHosts hosts)
    {
        RuleFor(c => c.Endpoint).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("Geef het endpoint van het pushabonnement.")
            .MaximumLength(PushSubscriptionRules.MaxEndpointLength).WithMessage($"Het endpoint mag hoogstens {PushSubscriptionRules.MaxEndpointLength} tekens zijn.")
            .Must(e => Uri.TryCreate(e, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            .WithMessage("Het endpoint moet een volledig https-adres zijn.")
            .Must(e => hosts.Refusal(new Uri(e!)) is null)
            .WithMessage(c => hosts.Refusal(new Uri(c.Endpoint!)))
            .OverridePropertyName("endpoint");
        RuleFor(c => c.P256dh).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("Geef de sleutel keys.p256dh van het pushabonnement.")
            .Must(IsPoint).WithMessage("keys.p256dh moet base64url zijn van een P-256-sleutel (65 bytes).")
            .OverridePropertyName("keys.p256dh");
        RuleFor(c => c.Auth).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("Geef het geheim keys.auth van het pushabonnement.")
            .Must(a => Base64Url.TryDecode(a) is { Length: 16 }).WithMessage("keys.auth moet base64url zijn van 16 bytes.")
            .OverridePropertyName("keys.auth");
    }

    /// <summary>A key the payload can be encrypted to: 65 bytes, uncompressed, a point on the curve.</summary>
    private static bool IsPoint(string? value)
    {
        if (Base64Url.TryDecode(value) is not { Length: 65 } point || point[0] != 0x04)
        {
            return false;
        }
        try
        {
            using var key = System.Security.Cryptography.ECDiffieHellman.Create(new System.Security.Cryptography.ECParameters
            {
                Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256,
                Q = new System.Security.Cryptography.ECPoint { X = point[1..33], Y = point[33..] },
            });
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}

internal sealed class SubscribeToPushHandler(AlertHubDbContext db, TimeProvider time, ILogger<SubscribeToPushHandler> logger)
    : ICommandHandler<SubscribeToPush, SubscribeToPushResult>
{
    public async ValueTask<SubscribeToPushResult> Handle(SubscribeToPush command, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var existing = await db.PushSubscriptions.FirstOrDefaultAsync(s => s.Endpoint == command.Endpoint, ct);
            if (existing is not null)
            {
                if (existing.PersonId != command.CallerId)
                {
                    // The browser is now signed in as someone else: its pushes are theirs from now on.
                    logger.LogInformation("Push subscription {SubscriptionId} moves to person {PersonId}", existing.Id, command.CallerId);
                }
                existing.PersonId = command.CallerId;
                existing.DeviceSessionId = command.DeviceSessionId;
                existing.P256dh = command.P256dh!;
                existing.Auth = command.Auth!;
                existing.Failures = 0;
                await db.SaveChangesAsync(ct);
                return new SubscribeToPushResult(existing.Id, Created: false);
            }
            var subscription = new PushSubscription
            {
                PersonId = command.CallerId,
                DeviceSessionId = command.DeviceSessionId,
                Endpoint = command.Endpoint!,
                P256dh = command.P256dh!,
                Auth = command.Auth!,
                CreatedAt = time.Now(),
            };
            db.PushSubscriptions.Add(subscription);
            try
            {
                await db.SaveChangesAsync(ct);
                return new SubscribeToPushResult(subscription.Id, Created: true);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation() && attempt == 0)
            {
                // The same browser subscribed twice at once (two tabs): the other request stored it; re-bind that row.
                db.Entry(subscription).State = EntityState.Detached;
            }
        }
    }
}
