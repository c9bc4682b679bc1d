using System.Security.Claims;
using AlertHub.Accounts;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlertHub.Delivery.WebPush;

/// <summary>CONTRACT v2 Web Push: the key browsers subscribe with, and the caller's subscriptions.</summary>
internal static class WebPushApi
{
    /// <summary>The access token claim naming the sign-in (device session) a request comes from, when the token has one.</summary>
    public const string DeviceSessionClaim = "device_session";

    public static IEndpointRouteBuilder MapWebPush(this IEndpointRouteBuilder app)
    {
        var push = app.MapGroup("/api/push").WithTags("Web Push").RequireAuthorization();
        push.MapGet("/public-key", PublicKey);
        push.MapGet("/subscriptions", List);
        push.MapPost("/subscriptions", Subscribe);
        push.MapDelete("/subscriptions/{id:guid}", Remove);
        return app;
    }

    internal sealed record PublicKeyDto(string PublicKey);

    private static async Task<Ok<PublicKeyDto>> PublicKey(VapidKeyStore keys, CancellationToken ct) =>
        TypedResults.Ok(new PublicKeyDto((await keys.GetAsync(ct)).PublicKey));

    private static async Task<Ok<IReadOnlyList<PushSubscriptionDto>>> List(ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetPushSubscriptions(user.PersonId()), ct));

    private static async Task<Results<Created<PushSubscriptionCreated>, Ok<PushSubscriptionCreated>>> Subscribe(
        PushSubscriptionRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var session = Guid.TryParse(user.FindFirstValue(DeviceSessionClaim), out var id) ? id : (Guid?)null;
        var result = await mediator.Send(new SubscribeToPush(user.PersonId(), session, request.Endpoint?.Trim(), request.Keys?.P256dh, request.Keys?.Auth), ct);
        var body = new PushSubscriptionCreated(result.Id);
        return result.Created ? TypedResults.Created($"/api/push/subscriptions/{result.Id}", body) : TypedResults.Ok(body);
    }

    private static async Task<NoContent> Remove(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RemovePushSubscription(user.PersonId(), id), ct);
        return TypedResults.NoContent();
    }
}
