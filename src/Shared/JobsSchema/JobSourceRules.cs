namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>What a jobs source allows beyond the rules every source shares.</summary>
internal sealed class JobSourceRules
{
    /// <summary>The rules of schedctl's JSON jobs file: command jobs, tasks of the file, <c>@reboot</c>.</summary>
    public static readonly JobSourceRules JobsFile = new() { Commands = true, AtStart = true };

    /// <summary>The rules of the hosting configuration: jobs name tasks the application registered; jobs may be keyed by name.</summary>
    public static readonly JobSourceRules Configuration = new() { JobsByName = true };

    /// <summary>Gets a value indicating whether a job may run a command (<c>command</c>, <c>shell</c>, <c>working_dir</c>, <c>env</c>).</summary>
    /// <remarks>When it may, <c>task</c> names a task of the same source; when not, a task the application registered.</remarks>
    public bool Commands { get; init; }

    /// <summary>Gets a value indicating whether <c>@reboot</c> (once at start) is a schedule.</summary>
    public bool AtStart { get; init; }

    /// <summary>Gets a value indicating whether the jobs may be an object whose keys are the jobs' names.</summary>
    public bool JobsByName { get; init; }
}
