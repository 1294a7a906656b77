using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>A job as the jobs schema declares it, read and checked by <see cref="JobShapeReader"/>, from any source.</summary>
internal sealed class JobShape
{
    /// <summary>Gets the job's unique name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets when the job runs; <see langword="null"/> when it runs once at start (<c>@reboot</c>, jobs files only).</summary>
    public required Trigger? Trigger { get; init; }

    /// <summary>Gets the task the job names: a task of the jobs file, or a task the application registered; null for a command job.</summary>
    public string? Task { get; init; }

    /// <summary>Gets the argv, or with <see cref="Shell"/> the one command line; for a job naming a file's task, that task's command with the job's arguments.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Gets a value indicating whether <see cref="Command"/> is a command line for the shell.</summary>
    public bool Shell { get; init; }

    /// <summary>Gets the folder the command runs in, or <see langword="null"/> for the runner's own.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Gets the variables added to the command's environment (a file task's <c>env</c>, then the job's <c>kwargs</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the arguments for a registered task (hosting), as JSON.</summary>
    public JsonArray? Args { get; init; }

    /// <summary>Gets the keyword arguments for a registered task (hosting), as JSON.</summary>
    public JsonObject? Kwargs { get; init; }

    /// <summary>Gets how many runs the job has at most, or <see langword="null"/> for no limit.</summary>
    public int? MaxRuns { get; init; }

    /// <summary>Gets the policies: overlap, misfire and grace time, attempts and retry delay, timeout, recoverable.</summary>
    public JobOptions Options { get; init; } = JobOptions.Default;

    /// <summary>Gets the node the job was read from, for its place in the source.</summary>
    public required SchemaNode Node { get; init; }
}
