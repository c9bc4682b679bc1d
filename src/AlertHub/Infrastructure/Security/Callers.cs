using AlertHub.Client;
using AlertHub.Infrastructure.Data;
using AlertHub.Infrastructure.Errors;
using AlertHub.People;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace AlertHub.Infrastructure.Security;

/// <summary>A message sent on behalf of a signed-in person (from the HTTP API or a hub call).</summary>
internal interface ICallerMessage
{
    Guid CallerId { get; }
}

/// <summary>
/// STYLE 18: who may send this message, declared on the message and checked by <see cref="AuthorizationBehavior{TMessage, TResponse}"/>
/// before its handler runs. <see cref="Refusal"/> is the Dutch reason the refused caller reads (403).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class AllowedAttribute(string refusal, params PersonRole[] roles) : Attribute
{
    public string Refusal { get; } = refusal;

    public IReadOnlyList<PersonRole> Roles { get; } = roles;
}

/// <summary>
/// STYLE 18: the caller, loaded once per request or hub call (a scope) and shared by the audit, the authorization
/// behaviour and the handler (it was loaded by each of them before). An active person comes from the directory
/// snapshot of the scope (issue 16): the one a raise is routed from, read at the directory version of this request,
/// so a raise reads the version once instead of the version and the person. Every save that changes a person raises
/// that version (<see cref="DirectoryVersionStep"/>), so a deactivation or a new role counts from the next request
/// on, on every node. (The SMS alarm-code counters are reset past the change tracker and may be stale here; nothing
/// reads them from a caller.) The person is shared with every request of the node: read it, never change or attach it.
/// </summary>
internal sealed class Callers(AlertHubDbContext db, Alerts.AlertAudience audience)
{
    private readonly Dictionary<Guid, Person?> _loaded = [];

    /// <summary>The person, active or not (the audit names a deactivated actor too); null for an id that is no person.</summary>
    public async ValueTask<Person?> FindAsync(Guid personId, CancellationToken ct)
    {
        if (!_loaded.TryGetValue(personId, out var person))
        {
            // Not active (or no person at all): from the table, as the snapshot holds active people only.
            person = (await audience.DirectoryAsync(ct)).ActiveById.GetValueOrDefault(personId)
                ?? await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == personId, ct);
            _loaded[personId] = person;
        }
        return person;
    }

    /// <summary>The caller of a message: an account that was deactivated after its token was issued is refused here.</summary>
    public async ValueTask<Person> ActiveAsync(Guid personId, CancellationToken ct) =>
        await FindAsync(personId, ct) is { Active: true } person ? person : throw new ForbiddenException(SecurityTexts.Inactive);
}

internal static class SecurityTexts
{
    public const string Inactive = "Je account is niet (meer) actief.";
}

/// <summary>
/// Checks every <see cref="ICallerMessage"/>: the caller's account is active and, where the message declares
/// <see cref="AllowedAttribute"/>, has one of its roles. It runs after the audit behaviour, so a refusal is audited
/// as <c>{action}.refused</c>, and before validation, so a refused caller learns nothing about the input's rules.
/// </summary>
internal sealed class AuthorizationBehavior<TMessage, TResponse>(Callers callers) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    private static readonly AllowedAttribute? Allowed =
        (AllowedAttribute?)Attribute.GetCustomAttribute(typeof(TMessage), typeof(AllowedAttribute));

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is ICallerMessage sent)
        {
            var caller = await callers.ActiveAsync(sent.CallerId, cancellationToken);
            if (Allowed is { } allowed && !allowed.Roles.Contains(caller.Role))
            {
                throw new ForbiddenException(allowed.Refusal);
            }
        }
        else if (Allowed is not null)
        {
            throw new InvalidOperationException($"{typeof(TMessage).Name} declares its roles but carries no caller.");
        }
        return await next(message, cancellationToken);
    }
}
