namespace Codomyrmex.Scheduler.Dashboard;

/// <summary>Options of the scheduler dashboard that <c>MapSchedulerDashboard</c> maps.</summary>
/// <remarks>
/// Who may see the dashboard and use its actions is decided by the host, as for any endpoint: <c>RequireAuthorization</c> on
/// what <c>MapSchedulerDashboard</c> returns applies to every page, asset, event stream and action. <see cref="AccessToken"/>
/// adds a shared secret for hosts without authentication (such as <c>schedctl dashboard</c>); <see cref="ReadOnly"/> removes the
/// actions altogether.
/// </remarks>
public sealed class SchedulerDashboardOptions
{
    /// <summary>Gets or sets the scheduler the dashboard shows and steers.</summary>
    /// <value>The scheduler; <see langword="null"/> (the default) takes the <see cref="Codomyrmex.Scheduler.Scheduler"/> registered in the application's services.</value>
    public Scheduler? Scheduler { get; set; }

    /// <summary>Gets or sets a value indicating whether the dashboard only shows: no action is offered, and every action request is refused.</summary>
    /// <value><see langword="false"/> by default.</value>
    public bool ReadOnly { get; set; }

    /// <summary>Gets or sets a secret every request must carry: entered once on the dashboard's sign-in page (or given as <c>?token=</c>) and kept in an HttpOnly, SameSite=Strict cookie.</summary>
    /// <value><see langword="null"/> by default: no token; the host's authorization policy alone decides.</value>
    public string? AccessToken { get; set; }

    /// <summary>Gets or sets the title shown in the dashboard's header and the browser's tab.</summary>
    /// <value><c>Scheduler</c> by default.</value>
    public string Title { get; set; } = "Scheduler";

    /// <summary>Gets or sets how many jobs or runs one page shows.</summary>
    /// <value>50 by default; between 1 and 1000.</value>
    public int PageSize { get; set; } = 50;
}
