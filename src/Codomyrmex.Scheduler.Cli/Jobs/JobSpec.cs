namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>One job of a jobs file or crontab: a command on a schedule, with its policies.</summary>
/// <remarks>
/// <c>schedctl run</c> turns it into a core <c>JobDefinition</c> for the registered task <c>"command"</c>, with
/// <c>args</c> = <see cref="Command"/> and <c>kwargs</c> = <c>{shell, working_dir, env}</c>.
/// </remarks>
internal sealed record JobSpec
{
    /// <summary>Gets the job's unique name, by which a restarted <c>schedctl run</c> finds it again.</summary>
    public required string Name { get; init; }

    /// <summary>Gets when the job runs, or <see langword="null"/> for an <c>@reboot</c> job, which runs once each time <c>schedctl run</c> starts.</summary>
    public required Trigger? Trigger { get; init; }

    /// <summary>Gets a value indicating whether the job runs once each time <c>schedctl run</c> starts (<c>@reboot</c>) rather than on a schedule.</summary>
    public bool RunsAtStart => Trigger is null;

    /// <summary>Gets the task of the jobs file the job names, whose command <see cref="Command"/> is; <see langword="null"/> for a job with its own command.</summary>
    public string? Task { get; init; }

    /// <summary>Gets the argv to run without a shell, or, when <see cref="Shell"/> is set, one element: the shell command line.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Gets a value indicating whether <see cref="Command"/> is a command line for the shell (<c>$SHELL</c> from <see cref="Environment"/>, else <c>/bin/sh</c>).</summary>
    public bool Shell { get; init; }

    /// <summary>Gets the folder the command runs in, or <see langword="null"/> for schedctl's own.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Gets the variables added to the command's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the account the command runs as (a system crontab's user column), or <see langword="null"/> for schedctl's own.</summary>
    public string? User { get; init; }

    /// <summary>Gets how many runs the job has at most, or <see langword="null"/> for no limit.</summary>
    public int? MaxRuns { get; init; }

    /// <summary>Gets the policies: overlap, misfire and grace time, attempts and retry delay, timeout, recoverable.</summary>
    public JobOptions Options { get; init; } = JobOptions.Default;

    /// <summary>Gets the line of the file the job is declared on (1-based).</summary>
    public int Line { get; init; }

    /// <summary>Gets the column of the file the job starts at (1-based).</summary>
    public int Column { get; init; } = 1;

    /// <summary>Gets where some fields of the job are written, by their jobs-file name (<c>user</c>, <c>timeout</c>, …), to place the scheduler's refusals.</summary>
    public IReadOnlyDictionary<string, (int Line, int Column)> Places { get; init; } = new Dictionary<string, (int Line, int Column)>();
}
