namespace Codomyrmex.Scheduler.Dashboard;

/// <summary>Options of the scheduler dashboard that <c>MapSchedulerDashboard</c> maps.</summary>
/// <remarks>
/// <para>
/// Who may see the dashboard is decided by the host, as for any endpoint: <c>RequireAuthorization</c> on what
/// <c>MapSchedulerDashboard</c> returns applies to every page, asset, event stream and action. <see cref="AccessToken"/> adds a
/// shared secret for hosts without authentication (such as <c>schedctl dashboard</c>); <see cref="ReadOnly"/> removes the actions
/// altogether.
/// </para>
/// <para>
/// The actions (run now, cancel, pause, resume, retry) are off unless something guards them: an <see cref="AccessToken"/>, or
/// authorization metadata on the dashboard's endpoints (<c>RequireAuthorization</c> on what <c>MapSchedulerDashboard</c> returns,
/// not allowed anonymous), or <see cref="AllowAnonymousActions"/>. While they are off, the pages offer no action and say how to
/// enable them, and every action request is refused with 403 Forbidden. An authorization fallback policy alone does not count:
/// the dashboard cannot see it on its endpoints.
/// </para>
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
    /// <value><see langword="null"/> by default: no token; the host's authorization policy alone decides who sees the dashboard, and actions are off unless it guards the dashboard or <see cref="AllowAnonymousActions"/> is set.</value>
    public string? AccessToken { get; set; }

    /// <summary>Gets or sets a value indicating whether anyone who can reach the dashboard may use its actions when neither an <see cref="AccessToken"/> nor the host's authorization guards them.</summary>
    /// <value><see langword="false"/> by default: without a token or authorization metadata on the dashboard's endpoints, actions are refused.</value>
    /// <remarks>For a trusted network or development only: antiforgery stops other sites' forms, but any script or client that reaches the app can run, cancel and pause jobs.</remarks>
    public bool AllowAnonymousActions { get; set; }

    /// <summary>Gets or sets the title shown in the dashboard's header and the browser's tab.</summary>
    /// <value><c>Scheduler</c> by default.</value>
    public string Title { get; set; } = "Scheduler";

    /// <summary>Gets or sets how many jobs or runs one page shows.</summary>
    /// <value>50 by default; between 1 and 1000.</value>
    public int PageSize { get; set; } = 50;
}
