using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>One mapped dashboard: its options, its data adapter and its live event hub.</summary>
internal sealed class DashboardApp
{
    /// <summary>The cookie that carries the access token's hash once the token was entered.</summary>
    public const string TokenCookie = "scheduler-dashboard-token";

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
