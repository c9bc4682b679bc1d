using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Infrastructure.Behaviors;

/// <summary>
/// A command whose save lost a race (another change of the same alert committed first, caught by the
/// alert's version) runs again on fresh data: a receipt that came in between is no reason to refuse a
/// resolve, while a second resolve then finds the alert closed and gets its 409 from the handler itself.
/// </summary>
internal sealed class ConcurrencyRetryBehavior<TMessage, TResponse>(AlertHubDbContext db, ILogger<ConcurrencyRetryBehavior<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    private const int Attempts = 4;

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IBaseCommand)
        {
            return await next(message, cancellationToken);
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await next(message, cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < Attempts)
            {
                logger.LogDebug("{Command} lost a concurrent change (attempt {Attempt}); running it again", typeof(TMessage).Name, attempt);
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new ConflictException("De melding is intussen door iemand anders gewijzigd; probeer het opnieuw.");
            }
        }
    }
}
