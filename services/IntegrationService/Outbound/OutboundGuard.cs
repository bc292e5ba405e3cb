using System.Net;
using System.Net.Sockets;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService.Outbound;

/// <summary>An outbound call this service will not make: another attempt would be refused the same way.</summary>
public sealed class OutboundRefusedException(string message) : PermanentTaskException(message);

/// <summary>
/// The SSRF guard of every outbound call: only http and https, and only to public addresses unless the host is
/// allow-listed (<see cref="OutboundOptions.AllowedHosts"/>). It decides on the addresses the name resolves to, and
/// <see cref="ConnectAsync"/> — the HTTP handler's only way to open a connection — connects to nothing but an address it
/// has just checked, so a name that resolves differently the second time (DNS rebinding) gains nothing.
/// </summary>
public sealed class OutboundGuard(IOptionsMonitor<OutboundOptions> options)
{
    public static void CheckScheme(Uri uri)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new OutboundRefusedException($"Only http and https URLs are called, not '{(uri.IsAbsoluteUri ? uri.Scheme : "a relative URL")}'");
    }

    /// <summary>The addresses of <paramref name="host"/> that may be called; throws when there are none.</summary>
    public async Task<IPAddress[]> AllowedAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var allowList = AllowList.Parse(options.CurrentValue.AllowedHosts);
        var hostName = host.TrimStart('[').TrimEnd(']');
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(hostName, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(hostName, cancellationToken);
        }
        catch (SocketException exception)
        {
            throw new HttpRequestException($"The name '{hostName}' could not be resolved: {exception.SocketErrorCode}", exception);
        }
        if (allowList.Names.Contains(hostName))
            return addresses;

        var allowed = addresses.Where(a => OutboundAddresses.InternalKind(a) is null || allowList.Networks.Any(n => n.Contains(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a))).ToArray();
        if (allowed.Length == 0)
        {
            var refused = addresses.Select(a => $"{a} ({OutboundAddresses.InternalKind(a)})");
            throw new OutboundRefusedException(
                $"'{hostName}' resolves to {string.Join(", ", refused)}: internal addresses are not called unless allow-listed in {OutboundOptions.Section}:AllowedHosts");
        }
        return allowed;
    }

    /// <summary>For <see cref="SocketsHttpHandler.ConnectCallback"/>: connects to the first checked address that answers.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await AllowedAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private sealed record AllowList(HashSet<string> Names, IPNetwork[] Networks)
    {
        public static AllowList Parse(IEnumerable<string> entries)
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var networks = new List<IPNetwork>();
            foreach (var entry in entries.Select(e => e.Trim()).Where(e => e.Length > 0))
            {
                if (IPNetwork.TryParse(entry, out var network))
                    networks.Add(network);
                else if (IPAddress.TryParse(entry, out var address))
                    networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
                else
                    names.Add(entry);
            }
            return new AllowList(names, [.. networks]);
        }
    }
}
