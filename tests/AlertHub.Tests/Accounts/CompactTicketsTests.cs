using System.Net.Http.Json;
using System.Security.Claims;
using AlertHub.Client;
using AlertHub.Accounts;
using AlertHub.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AlertHub.Tests.Accounts;

/// <summary>
/// Access tokens read back share their claim types and property names (Accounts/CompactTickets): a hub connection
/// holds its principal for hours. Same claims, same values, same expiry; only the names are one copy.
/// </summary>
public sealed class CompactTicketsTests
{
    [Fact]
    public void TwoTokensReadBack_ShareTheirNames_AndKeepEveryValue()
    {
        var format = new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector("test"));
        var compact = new CompactTickets(format);
        var expires = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var original = Ticket("Wijkagent Jansen", expires);
        string first = compact.Protect(original), second = compact.Protect(Ticket("Jongerenwerker Amrani", expires));

        var plain1 = format.Unprotect(first)!;
        var plain2 = format.Unprotect(second)!;
        var read1 = compact.Unprotect(first)!;
        var read2 = compact.Unprotect(second)!;

        // Without it every token has its own copy of each name (what this test would see if Compact did nothing).
        Assert.False(ReferenceEquals(plain1.Principal.Claims.First().Type, plain2.Principal.Claims.First().Type));
        Assert.All(read1.Principal.Claims.Zip(read2.Principal.Claims), pair => Assert.Same(pair.First.Type, pair.Second.Type));
        Assert.Same(read1.Principal.Identity!.AuthenticationType, read2.Principal.Identity!.AuthenticationType);
        Assert.Same(read1.Properties.Items.Keys.First(), read2.Properties.Items.Keys.First());

        // Nothing changed but the sharing.
        Assert.Equal(Claims(original), Claims(read1));
        Assert.Equal("Wijkagent Jansen", read1.Principal.Identity.Name);
        Assert.True(read1.Principal.IsInRole("partner"));
        Assert.Equal(expires, read1.Properties.ExpiresUtc);
        Assert.Equal("waarde", read1.Principal.FindFirst("eigen")!.Properties["sleutel"]);
        Assert.Equal(plain1.AuthenticationScheme, read1.AuthenticationScheme);
        Assert.Null(compact.Unprotect("geen-token"));
    }

    [Fact]
    public void TheLongClaimTypes_GoIntoTheTokenShort_AndATokenFromBeforeReadsTheSame()
    {
        var format = new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector("test"));
        var compact = new CompactTickets(format);
        var ticket = Ticket("Wijkagent Jansen", new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));

        var token = compact.Protect(ticket);
        var inside = format.Unprotect(token)!;
        Assert.Contains(inside.Principal.Claims, c => c.Type == "~id");
        Assert.DoesNotContain(inside.Principal.Claims, c => CompactTickets.ShortNames.ContainsKey(c.Type));
        // Four long names out of a small ticket: a real sign-in's token went from 838 to about 600 characters.
        var before = format.Protect(ticket);
        Assert.True(token.Length < before.Length - 150, $"{token.Length} against {before.Length} characters");

        Assert.Equal(Claims(ticket), Claims(compact.Unprotect(token)!));
        Assert.Equal(Claims(ticket), Claims(compact.Unprotect(before)!));
        Assert.Equal("STAMP", compact.Unprotect(token)!.Principal.FindFirstValue("AspNet.Identity.SecurityStamp"));

        // Auth:ShortTokenNames=false (older nodes beside this one): long names in, and both kinds still read.
        var forOlderNodes = new CompactTickets(format, shortNames: false);
        var longToken = forOlderNodes.Protect(ticket);
        Assert.Equal(Claims(ticket), Claims(format.Unprotect(longToken)!));
        Assert.Equal(Claims(ticket), Claims(forOlderNodes.Unprotect(token)!));
    }

    private static IEnumerable<(string, string, string, string, string)> Claims(AuthenticationTicket ticket) =>
        ticket.Principal.Claims.Select(c => (c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer)).ToList();

    [Fact]
    public async Task TheApp_ReadsItsAccessTokensThisWay()
    {
        await using var host = await TestHost.StartAsync();
        var options = host.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme);
        Assert.IsType<CompactTickets>(options.BearerTokenProtector);
        // And a token it issued is still taken (the framework's own keys and purpose underneath).
        var police = await host.LoginAsync(TestHost.Police);
        var read = options.BearerTokenProtector.Unprotect(police.AccessToken);
        Assert.NotNull(read);
        Assert.NotNull(read.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.True(read.Principal.IsInRole("Partner"), string.Join(", ", read.Principal.Claims.Select(c => c.Type)));
        // With the framework's long claim types this token was 838 characters.
        Assert.True(police.AccessToken!.Length < 700, $"{police.AccessToken.Length} characters");
    }

    [Fact]
    public async Task WithShortTokenNamesOff_TheAppIssuesTokensAnOlderNodeReads()
    {
        await using var host = await TestHost.StartAsync(settings: new Dictionary<string, string?> { ["Auth:ShortTokenNames"] = "false" });
        var police = await host.LoginAsync(TestHost.Police);
        Assert.True(police.AccessToken!.Length > 750, $"{police.AccessToken.Length} characters");
        var me = await police.Http.GetFromJsonAsync<MeDto>("/api/me", AlertHubJson.Options);
        Assert.Equal(PersonRole.Partner, me!.Role);
    }

    // Built from fresh strings, as a token read from the wire is.
    private static AuthenticationTicket Ticket(string name, DateTimeOffset expires)
    {
        static string Fresh(string s) => new(s.AsSpan());
        var custom = new Claim(Fresh("eigen"), "x");
        custom.Properties[Fresh("sleutel")] = "waarde";
        var identity = new ClaimsIdentity(
            [
                new Claim(Fresh(ClaimTypes.NameIdentifier), Guid.NewGuid().ToString()),
                new Claim(Fresh(ClaimTypes.Name), name),
                new Claim(Fresh(ClaimTypes.Role), "partner"),
                new Claim(Fresh("AspNet.Identity.SecurityStamp"), "STAMP"),
                custom,
            ],
            Fresh("Identity.Application"));
        return new AuthenticationTicket(new ClaimsPrincipal(identity), new AuthenticationProperties { ExpiresUtc = expires }, Fresh("Identity.Bearer"));
    }
}
