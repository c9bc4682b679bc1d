using AlertHub.Accounts;
using AlertHub.Client;
using AlertHub.Infrastructure.Telemetry;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace AlertHub.Alerts;

/// <summary>
/// No state here and no groups chosen by clients: the server addresses people by their person id
/// (the SignalR user id), so a client can only ever receive what routing decided it should. The only groups are
/// a follower's own (<see cref="Delivery.Push.FollowerPresence"/>), chosen by the server from the person's role.
/// </summary>
[Authorize]
internal sealed class AlertsHub(
    IMediator mediator, AlertHubMetrics metrics, ReceiptsSeen seen, Delivery.Push.FollowerPresence followers, ILogger<AlertsHub> logger)
    : Hub<IAlertsClient>
{
    public override async Task OnConnectedAsync()
    {
        metrics.ClientConnected();
        // Issue 17: an app that connects is alive — it answers a waiting opening check (after the SMS that asked).
        try
        {
            await mediator.Send(new Readiness.AnswerReadinessCheck(Context.User!.PersonId(), null, "app"), Context.ConnectionAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never a reason to refuse the connection that carries alerts.
            logger.LogWarning(e, "The opening check answer on connect failed");
        }
        // Issue 16: a coordinator's or team lead's connection says how it wants receipts (whole alerts, or deltas).
        await followers.JoinAsync(Context, Groups);
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.ClientDisconnected();
        followers.Leave(Context);
        return base.OnDisconnectedAsync(exception);
    }

    public Task ConfirmReceipt(Guid alertId) =>
        seen.ConfirmOnceAsync(mediator, Context.User!.PersonId(), alertId, Context.ConnectionAborted);

    /// <summary>Issue 17: this device is alive for the opening check (sent by itself on <c>ReadinessCheck</c>).</summary>
    public async Task AnswerReadinessCheck(Guid checkId) =>
        await mediator.Send(new Readiness.AnswerReadinessCheck(Context.User!.PersonId(), checkId, "app"), Context.ConnectionAborted);

    public async Task<AlertDto> Acknowledge(Guid alertId, AckResponse response) =>
        await mediator.Send(new AcknowledgeAlert(Context.User!.PersonId(), alertId, response), Context.ConnectionAborted);

    public async Task<IReadOnlyList<AlertDto>> GetAlertsSince(long sequence) =>
        await mediator.Send(new GetAlertsSince(Context.User!.PersonId(), sequence), Context.ConnectionAborted);

    /// <summary>CONTRACT v2: the change feed; pass the cursor it returned last time (null: everything open or closed in the last 24 h).</summary>
    public async Task<AlertChangesDto> GetChangesSince(string? cursor) =>
        await mediator.Send(new GetChangesSince(Context.User!.PersonId(), cursor), Context.ConnectionAborted);
}

/// <summary>
/// Turns the domain's refusals into messages a hub client sees, and other exceptions into a general one. SignalR's
/// own log of failed hub calls is switched off (SecuritySetup): a refusal is logged here without a stack trace, at
/// Debug, and an unexpected exception once, with its stack.
/// </summary>
internal sealed class HubErrorFilter(ILogger<HubErrorFilter> logger) : IHubFilter
{
    public const string UnexpectedMessage = "Er ging iets mis op de server; probeer het opnieuw.";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(context);
        }
        catch (FluentValidation.ValidationException e)
        {
            throw Refusal(context, e, "Ongeldige invoer: " + string.Join(" ", e.Errors.Select(x => x.ErrorMessage)));
        }
        catch (Infrastructure.Errors.NotFoundException e)
        {
            throw Refusal(context, e, e.Message);
        }
        catch (Infrastructure.Errors.ForbiddenException e)
        {
            throw Refusal(context, e, e.Message);
        }
        catch (Infrastructure.Errors.ConflictException e)
        {
            throw Refusal(context, e, e.Message);
        }
        catch (HubException)
        {
            throw; // already meant for the client
        }
        catch (OperationCanceledException) when (context.Context.ConnectionAborted.IsCancellationRequested)
        {
            throw; // the client went away mid-call; nobody is left to tell
        }
        catch (Exception e)
        {
            logger.LogError(e, "Hub call {HubMethod} failed", context.HubMethodName);
            throw new HubException(UnexpectedMessage);
        }
    }

    private HubException Refusal(HubInvocationContext context, Exception refusal, string message)
    {
        // The type only: messages may name what the caller asked for.
        logger.LogDebug("Hub call {HubMethod} refused: {Refusal}", context.HubMethodName, refusal.GetType().Name);
        return new HubException(message);
    }
}
