using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>Starts the web server of <c>schedctl dashboard</c> and <c>schedctl mcp --http</c>, naming an address it cannot listen on.</summary>
internal static class Listening
{
    /// <summary>Starts <paramref name="app"/>, which listens on <paramref name="endpoint"/>.</summary>
    /// <exception cref="JobStoreAccess.Failure">
    /// The address cannot be listened on: it is not one of this machine's, its port is in use, or it is not allowed.
    /// </exception>
    public static async Task StartAsync(WebApplication app, IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // Kestrel throws the socket's error itself for an address that is not this machine's, and wraps it in an
            // IOException for a port in use: either way it is the address that failed, not the store.
            throw new JobStoreAccess.Failure($"cannot listen on {endpoint}: {Reason(e, endpoint)}");
        }
    }

    /// <summary>Why the address failed, in words, from the innermost socket error.</summary>
    private static string Reason(Exception e, IPEndPoint endpoint)
    {
        Exception inner = e;
        while (inner is not SocketException && inner.InnerException is { } cause)
        {
            inner = cause;
        }

        return (inner as SocketException)?.SocketErrorCode switch
        {
            SocketError.AddressNotAvailable => "it is not an address of this machine.",
            SocketError.AddressAlreadyInUse => "the port is in use by another process.",
            SocketError.AccessDenied => "permission denied (a port below 1024 needs privileges).",
            SocketError.InvalidArgument when endpoint.Address.IsIPv6LinkLocal && endpoint.Address.ScopeId == 0 =>
                "a link-local address needs the interface it is on, such as [fe80::1%eth0]:8080.",
            _ => inner.Message.TrimEnd('.') + ".",
        };
    }
}
