using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>One mapped dashboard: its options, its data adapter and its live event hub.</summary>
internal sealed class DashboardApp
{
    /// <summary>The cookie that carries the access token's hash once the token was entered.</summary>
    public const string TokenCookie = "scheduler-dashboard-token";

    /// <summary>Why a read-only dashboard refuses actions.</summary>
    public const string ReadOnlyRefusal = "This dashboard is read-only: it changes nothing.";

    /// <summary>Why a dashboard that nothing guards refuses actions, and how to enable them.</summary>
    public const string UnguardedRefusal =
        "Actions are off: nothing guards them, so anyone who can reach this app could run, cancel or pause jobs. To enable them, "
        + "set SchedulerDashboardOptions.AccessToken, or call RequireAuthorization(...) on what MapSchedulerDashboard returns, "
        + "or set SchedulerDashboardOptions.AllowAnonymousActions = true (trusted networks and development only).";

    private readonly byte[]? _tokenHash;

    public DashboardApp(Scheduler scheduler, SchedulerDashboardOptions options, string pattern)
    {
        Options = options;
        Pattern = pattern;
        Data = new DashboardData(scheduler);
        Events = new DashboardEvents(Data);
        _tokenHash = options.AccessToken is { } token ? Hash(token) : null;
    }

    public SchedulerDashboardOptions Options { get; }

    /// <summary>The dashboard's path without a trailing slash (empty at the root).</summary>
    public string Pattern { get; }

    public DashboardData Data { get; }

    public DashboardEvents Events { get; }

    public bool RequiresToken => _tokenHash is not null;

    /// <summary>Why the request may not change anything, or <see langword="null"/> when it may.</summary>
    /// <remarks>
    /// Actions need something that guards them: the access token (whose cookie the request already passed), authorization
    /// metadata on the dashboard's endpoint (the host's authorization middleware then checks every request), or the host's
    /// explicit <see cref="SchedulerDashboardOptions.AllowAnonymousActions"/>. Otherwise anyone who reaches the app could run,
    /// cancel and pause jobs: antiforgery stops other sites' forms, not a script on the same origin.
    /// </remarks>
    public string? ActionsRefusal(HttpContext context)
    {
        if (Options.ReadOnly)
        {
            return ReadOnlyRefusal;
        }

        return RequiresToken || Options.AllowAnonymousActions || IsAuthorized(context.GetEndpoint()) ? null : UnguardedRefusal;
    }

    /// <summary>Whether the host's authorization middleware checks the endpoint: it has authorization metadata and does not allow anonymous users.</summary>
    private static bool IsAuthorized(Endpoint? endpoint) =>
        endpoint is not null
        && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null
        && (endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null || endpoint.Metadata.GetMetadata<AuthorizationPolicy>() is not null);

    /// <summary>The dashboard's path as the browser sees it, with the application's path base.</summary>
    public string BasePath(HttpContext context) => context.Request.PathBase.Add(new PathString(Pattern.Length == 0 ? null : Pattern)).Value ?? "";

    /// <summary>Whether a token matches the access token (in constant time).</summary>
    public bool TokenMatches(string? token) => _tokenHash is null || (token is not null && CryptographicOperations.FixedTimeEquals(Hash(token), _tokenHash));

    /// <summary>Whether the request carries the token cookie this dashboard sets.</summary>
    public bool HasTokenCookie(HttpContext context) =>
        _tokenHash is null
        || (context.Request.Cookies.TryGetValue(TokenCookie, out string? value) && value is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(value), Encoding.ASCII.GetBytes(Convert.ToHexString(_tokenHash))));

    /// <summary>Sets the token cookie: the token's hash (never the token), HttpOnly, SameSite=Strict, for the dashboard's path.</summary>
    public void SetTokenCookie(HttpContext context) => context.Response.Cookies.Append(TokenCookie, Convert.ToHexString(_tokenHash!), new CookieOptions
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = BasePath(context) is { Length: > 0 } path ? path : "/",
        IsEssential = true,
    });

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
