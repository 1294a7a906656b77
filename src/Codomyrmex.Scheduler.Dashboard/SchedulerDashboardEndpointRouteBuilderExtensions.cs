using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Dashboard;
using Codomyrmex.Scheduler.Dashboard.Internal;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the scheduler dashboard into an ASP.NET Core application.</summary>
public static class SchedulerDashboardEndpointRouteBuilderExtensions
{
    /// <summary>Maps the scheduler dashboard at a path: its pages, assets, live event stream and actions.</summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="pattern">The path the dashboard is served under, such as <c>/scheduler</c>.</param>
    /// <param name="configure">Sets the dashboard's options, or <see langword="null"/> for the defaults.</param>
    /// <returns>A builder for every endpoint of the dashboard: <c>.RequireAuthorization(...)</c> on it protects all of them.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> or <paramref name="pattern"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (the message names each problem).</exception>
    /// <exception cref="InvalidOperationException">
    /// No scheduler is given and none is registered (call <c>services.AddScheduler()</c>), or antiforgery is not registered
    /// (call <c>services.AddSchedulerDashboard()</c>).
    /// </exception>
    /// <remarks>
    /// Every action is a POST form with an antiforgery token, and actions are off (not offered, and refused with 403 Forbidden) unless
    /// something guards them: <see cref="SchedulerDashboardOptions.AccessToken"/>, <c>RequireAuthorization</c> on the returned builder,
    /// or <see cref="SchedulerDashboardOptions.AllowAnonymousActions"/>. Job names, arguments, errors and output are always shown as text.
    /// The pages update themselves through server-sent events within a second of a change the scheduler makes or its store
    /// reports (a store shared with other processes reports theirs too: the SQLite store within its poll interval). Every asset is served from this
    /// assembly: the dashboard needs no internet access.
    /// </remarks>
    public static IEndpointConventionBuilder MapSchedulerDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/scheduler",
        Action<SchedulerDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var options = new SchedulerDashboardOptions();
        configure?.Invoke(options);
        var errors = new List<string>();
        if (options.PageSize is < 1 or > 1000)
        {
            errors.Add($"PageSize must be between 1 and 1000, not {options.PageSize}.");
        }

        if (options.AccessToken is { Length: 0 })
        {
            errors.Add("AccessToken must not be empty; use null for no token.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid scheduler dashboard options: " + string.Join(" ", errors), nameof(configure));
        }

        Scheduler scheduler = options.Scheduler ?? endpoints.ServiceProvider.GetService<Scheduler>()
            ?? throw new InvalidOperationException("The scheduler dashboard needs a scheduler: call services.AddScheduler(), or set SchedulerDashboardOptions.Scheduler.");
        if (endpoints.ServiceProvider.GetService<IAntiforgery>() is null)
        {
            throw new InvalidOperationException("The scheduler dashboard needs antiforgery for its forms: call services.AddSchedulerDashboard().");
        }

        var dashboard = new DashboardApp(scheduler, options, pattern.TrimEnd('/'));
        return DashboardEndpoints.Map(endpoints, pattern, dashboard);
    }
}
