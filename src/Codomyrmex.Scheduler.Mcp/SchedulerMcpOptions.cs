using System.Globalization;

namespace Codomyrmex.Scheduler.Mcp;

/// <summary>What the scheduler's MCP tools expose, and the limits on what a caller may create.</summary>
/// <remarks>The limits exist so that an agent in a loop cannot flood the store: each is checked on every call.</remarks>
public sealed class SchedulerMcpOptions
{
    /// <summary>The <see cref="Job.Source"/> of the jobs created through MCP, unless <see cref="Source"/> says otherwise.</summary>
    public const string DefaultSource = "mcp";

    /// <summary>Gets or sets the scheduler the tools act on; <see langword="null"/> takes the <see cref="Scheduler"/> of the app's services.</summary>
    public Scheduler? Scheduler { get; set; }

    /// <summary>Gets the tasks a caller may schedule; no other code can be scheduled through MCP.</summary>
    public IList<SchedulerMcpTask> Tasks { get; } = [];

    /// <summary>Gets or sets the source the jobs created through MCP are marked with.</summary>
    /// <value>The default is <c>"mcp"</c>.</value>
    /// <remarks>The cap counts the live jobs of this source, and a reconcile of another source never removes them.</remarks>
    public string Source { get; set; } = DefaultSource;

    /// <summary>Gets or sets how many jobs created through MCP may be live (pending or running) at once.</summary>
    /// <value>The default is 100.</value>
    /// <remarks>
    /// The cap is per store: it counts the store's live jobs of <see cref="Source"/>, whichever process created them, so two
    /// servers on one store share it. One process checks and adds one job at a time; two processes that check at the same
    /// moment may each add one, exceeding the cap by at most one job per process until a job ends.
    /// </remarks>
    public int MaxJobs { get; set; } = 100;

    /// <summary>Gets or sets the shortest interval, and the shortest gap between two cron occurrences, a caller may schedule.</summary>
    /// <value>The default is one second.</value>
    public TimeSpan MinimumInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the largest <c>max_runs</c> a caller may give.</summary>
    /// <value>The default is 1,000,000.</value>
    public int MaxRunsLimit { get; set; } = 1_000_000;

    /// <summary>Gets or sets the longest job name a caller may give, in characters.</summary>
    /// <value>The default is 200.</value>
    public int MaxNameLength { get; set; } = 200;

    /// <summary>Gets or sets the largest size of a call's <c>args</c> and <c>kwargs</c> together, in characters of JSON.</summary>
    /// <value>The default is 16,384.</value>
    public int MaxArgumentsLength { get; set; } = 16_384;

    /// <summary>Gets or sets how deeply a call's <c>args</c> and <c>kwargs</c> may nest arrays and objects (the outer array or object is level 1).</summary>
    /// <value>The default is 8.</value>
    public int MaxArgumentsDepth { get; set; } = 8;

    /// <summary>Gets or sets the zone <c>explain_cron</c> and cron jobs use when a call names none.</summary>
    /// <value>The default is <see langword="null"/>: UTC.</value>
    public TimeZoneInfo? TimeZone { get; set; }

    /// <summary>Gets or sets the bearer token every HTTP request must carry.</summary>
    /// <value>The default is <see langword="null"/>: <c>MapSchedulerMcp</c> refuses to map the endpoint unless <see cref="AllowAnonymous"/> is set.</value>
    /// <remarks>A request without it (or with another) is answered 401 before any tool runs; tokens are compared in constant time.</remarks>
    public string? AccessToken { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>MapSchedulerMcp</c> may map the endpoint without an <see cref="AccessToken"/>.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    /// <remarks>Set it only when the app authorizes the endpoint itself (<c>.RequireAuthorization()</c>): without either, anyone who reaches it can run jobs.</remarks>
    public bool AllowAnonymous { get; set; }

    /// <summary>Lists what is wrong with the options, each naming the bad value; empty when they are valid.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SchedulerMcpTask task in Tasks)
        {
            if (task is null || string.IsNullOrWhiteSpace(task.Name))
            {
                problems.Add("A task has no name.");
            }
            else if (!names.Add(task.Name))
            {
                problems.Add($"The task '{task.Name}' is listed twice.");
            }
        }

        if (string.IsNullOrWhiteSpace(Source))
        {
            problems.Add("Source is empty.");
        }

        Positive(MaxJobs, nameof(MaxJobs));
        Positive(MaxRunsLimit, nameof(MaxRunsLimit));
        Positive(MaxNameLength, nameof(MaxNameLength));
        Positive(MaxArgumentsLength, nameof(MaxArgumentsLength));
        Positive(MaxArgumentsDepth, nameof(MaxArgumentsDepth));
        if (MinimumInterval <= TimeSpan.Zero)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MinimumInterval is {MinimumInterval}; it must be positive."));
        }

        if (AccessToken is { Length: 0 })
        {
            problems.Add("AccessToken is empty; leave it null and set AllowAnonymous to let the app authorize requests.");
        }

        return problems;

        void Positive(int value, string name)
        {
            if (value < 1)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} is {value}; it must be at least 1."));
            }
        }
    }
}
