using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace AlertHub.Accounts;

/// <summary>
/// The access-token format of <see cref="AccountsSetup"/>: the framework's own (same keys, same purpose, so issued tokens
/// stay valid), but a token read back shares its claim types, issuers and property names with every other token
/// instead of carrying its own copies. A hub connection keeps its principal for as long as it is open, and each copy
/// of "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier" and the like is 100-160 bytes: about
/// 700 bytes a connection (issue 16, memory per connection). The values (who, which role) are the token's own.
/// The names come only out of tokens this server protected, so nothing a client makes up is interned.
/// </summary>
internal sealed class CompactTickets(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
{
    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Compact(inner.Unprotect(protectedText));

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => Compact(inner.Unprotect(protectedText, purpose));

    internal static AuthenticationTicket? Compact(AuthenticationTicket? ticket)
    {
        if (ticket is null)
        {
            return null;
        }
        var identities = ticket.Principal.Identities.Select(identity => new ClaimsIdentity(
            identity.Claims.Select(CompactClaim),
            Shared(identity.AuthenticationType),
            Shared(identity.NameClaimType),
            Shared(identity.RoleClaimType))
        {
            Label = identity.Label,
            Actor = identity.Actor,
            BootstrapContext = identity.BootstrapContext,
        });
        var properties = new AuthenticationProperties(
            ticket.Properties.Items.ToDictionary(item => Shared(item.Key)!, item => item.Value, StringComparer.Ordinal));
        return new AuthenticationTicket(new ClaimsPrincipal(identities), properties, Shared(ticket.AuthenticationScheme)!);
    }

    private static Claim CompactClaim(Claim claim)
    {
        var compact = new Claim(Shared(claim.Type)!, claim.Value, Shared(claim.ValueType), Shared(claim.Issuer), Shared(claim.OriginalIssuer));
        foreach (var (key, value) in claim.Properties)
        {
            compact.Properties[Shared(key)!] = value;
        }
        return compact;
    }

    private static string? Shared(string? name) => name is null ? null : string.Intern(name);
}
