using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace AlertHub.Partners.Webhooks;

/// <summary>
/// The webhook client's connections: the host name is resolved here, every address it resolves to is checked, and
/// the connection goes to an address that was checked, so a name that points into the hub's own network (or is
/// made to, between a check and the connect: DNS rebinding) is never reached. Loopback is allowed only with
/// <see cref="PartnerOptions.WebhookAllowLoopbackHttp"/> (a receiver on the same machine in development and tests).
/// </summary>
internal sealed class WebhookConnector(IOptions<PartnerOptions> options)
{
    public const string Refusal = "Niet verstuurd: het adres wijst naar een intern of lokaal netwerk.";

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        var allowLoopback = options.Value.WebhookAllowLoopbackHttp;
        if (addresses.Length == 0 || addresses.Any(a => IsInternal(a) && !(allowLoopback && IPAddress.IsLoopback(a))))
        {
            throw new WebhookAddressRefusedException();
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Loopback, private, link-local (cloud metadata), shared (CGNAT), unique-local, multicast and unspecified addresses.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 || b[0] >= 224 // this network, private, loopback, multicast and reserved
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }
        var v6 = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC;
    }
}

internal sealed class WebhookAddressRefusedException() : Exception(WebhookConnector.Refusal);
