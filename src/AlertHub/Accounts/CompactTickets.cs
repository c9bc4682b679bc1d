using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace AlertHub.Accounts;

/// <summary>
/// The access-token format of <see cref="AccountsSetup"/>: the framework's own (same keys, same purpose, so issued tokens
/// stay valid), with two savings for a hub connection, which keeps its token and its principal for as long as it is
/// open (issue 16, memory per connection):
/// <list type="bullet">
/// <item>The framework's long claim types ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier" and
/// three more) go into the token as short names (<see cref="ShortNames"/>) and come out long again: a token is about a
/// third shorter, and Kestrel keeps two copies of a WebSocket's request line, token and all, for the life of the
/// connection. A token issued before (long names) reads the same.</item>
/// <item>A token read back shares its claim types, issuers and property names with every other token instead of
/// carrying its own copies (100-160 bytes each, about 700 bytes a connection). The values (who, which role) are the
/// token's own. The names come only out of tokens this server protected, so nothing a client makes up is interned.</item>
/// </list>
/// </summary>
/// <param name="shortNames">Whether new tokens get the short names (<c>Auth:ShortTokenNames</c>); read back, both kinds are understood.</param>
internal sealed class CompactTickets(ISecureDataFormat<AuthenticationTicket> inner, bool shortNames = true) : ISecureDataFormat<AuthenticationTicket>
{
    /// <summary>The claim types of a sign-in (Identity's claims factory) and their names inside the token.</summary>
    internal static readonly IReadOnlyDictionary<string, string> ShortNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ClaimTypes.NameIdentifier] = "~id",
        [ClaimTypes.Email] = "~email",
        [ClaimTypes.Role] = "~role",
        ["AspNet.Identity.SecurityStamp"] = "~stamp",
    };

    private static readonly IReadOnlyDictionary<string, string> LongNames = ShortNames.ToDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);

    public string Protect(AuthenticationTicket data) => inner.Protect(Shorten(data));

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(Shorten(data), purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Compact(inner.Unprotect(protectedText));

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => Compact(inner.Unprotect(protectedText, purpose));

    private AuthenticationTicket Shorten(AuthenticationTicket ticket) => !shortNames ? ticket
        : new(Copy(ticket.Principal, type => ShortNames.GetValueOrDefault(type, type), name => name), ticket.Properties, ticket.AuthenticationScheme);

    internal static AuthenticationTicket? Compact(AuthenticationTicket? ticket)
    {
        if (ticket is null)
        {
            return null;
        }
        var principal = Copy(ticket.Principal, type => Shared(LongNames.GetValueOrDefault(type, type))!, Shared);
        var properties = new AuthenticationProperties(
            ticket.Properties.Items.ToDictionary(item => Shared(item.Key)!, item => item.Value, StringComparer.Ordinal));
        return new AuthenticationTicket(principal, properties, Shared(ticket.AuthenticationScheme)!);
    }

    /// <summary>The principal with each claim's type through <paramref name="type"/> and every other name through <paramref name="name"/>.</summary>
    private static ClaimsPrincipal Copy(ClaimsPrincipal principal, Func<string, string> type, Func<string?, string?> name) =>
        new(principal.Identities.Select(identity => new ClaimsIdentity(
            identity.Claims.Select(claim =>
            {
                var copy = new Claim(type(claim.Type), claim.Value, name(claim.ValueType), name(claim.Issuer), name(claim.OriginalIssuer));
                foreach (var (key, value) in claim.Properties)
                {
                    copy.Properties[name(key)!] = value;
                }
                return copy;
            }),
            name(identity.AuthenticationType),
            name(identity.NameClaimType),
            name(identity.RoleClaimType))
        {
            Label = identity.Label,
            Actor = identity.Actor,
            BootstrapContext = identity.BootstrapContext,
        }));

    private static string? Shared(string? name) => name is null ? null : string.Intern(name);
}
