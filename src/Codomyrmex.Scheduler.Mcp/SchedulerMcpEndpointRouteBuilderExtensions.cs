using System.Security.Cryptography;
using System.Text;
using Codomyrmex.Scheduler.Mcp;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the scheduler's MCP endpoint in an ASP.NET Core app.</summary>
public static class SchedulerMcpEndpointRouteBuilderExtensions
{
    /// <summary>Maps the MCP server that <c>services.AddSchedulerMcp()</c> added, at <paramref name="pattern"/>, over Streamable HTTP.</summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">Where the endpoint is.</param>
    /// <returns>The endpoint's builder, for <c>RequireAuthorization</c> or other conventions.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is null.</exception>
    /// <remarks>
    /// With <see cref="SchedulerMcpOptions.AccessToken"/> set, every request must carry <c>Authorization: Bearer TOKEN</c>; one
    /// without it, or with another token, is answered 401 before the MCP server reads it, so no tool runs. Tokens are compared
    /// in constant time. Without a token the endpoint is refused unless <see cref="SchedulerMcpOptions.AllowAnonymous"/> is set,
    /// for an app that protects it with its own authorization (<c>.RequireAuthorization()</c> on the returned builder).
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// <see cref="SchedulerMcpOptions.AccessToken"/> is null and <see cref="SchedulerMcpOptions.AllowAnonymous"/> is false.
    /// </exception>
    public static IEndpointConventionBuilder MapSchedulerMcp(this IEndpointRouteBuilder endpoints, string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        SchedulerMcpOptions options = endpoints.ServiceProvider.GetRequiredService<IOptions<SchedulerMcpOptions>>().Value;
        if (options.AccessToken is null && !options.AllowAnonymous)
        {
            throw new InvalidOperationException(
                "The MCP endpoint has no access token: set SchedulerMcpOptions.AccessToken, or set SchedulerMcpOptions.AllowAnonymous "
                + "to true when the app authorizes the endpoint itself (RequireAuthorization).");
        }

        IEndpointConventionBuilder builder = endpoints.MapMcp(pattern);
        if (options.AccessToken is { } token)
        {
            byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
            builder.Add(endpoint =>
            {
                RequestDelegate inner = endpoint.RequestDelegate!;
                endpoint.RequestDelegate = context => IsAuthorized(context.Request, expected) ? inner(context) : RefuseAsync(context.Response);
            });
        }

        return builder;
    }

    /// <summary>Compares hashes of the tokens, so the comparison takes the same time whatever the length or the first difference.</summary>
    private static bool IsAuthorized(HttpRequest request, byte[] expected)
    {
        string header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static Task RefuseAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
