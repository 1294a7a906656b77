namespace Codomyrmex.Scheduler.Mcp;

/// <summary>A task that MCP callers may schedule by name: what it does, and which arguments a call may give it.</summary>
/// <remarks>
/// <para>
/// An agent never chooses the code that runs: it names one of these tasks. A call's <c>args</c> are refused unless
/// <see cref="TakesArgs"/> is set, and its <c>kwargs</c> may only use the names in <see cref="Kwargs"/>.
/// </para>
/// <para>
/// By default a job of the task runs the scheduler's registered task of the same <see cref="Name"/> with the call's
/// <c>args</c> and <c>kwargs</c> as JSON. <see cref="CreateJob"/> replaces that, for example to run a command with the
/// arguments appended to its argv.
/// </para>
/// </remarks>
public sealed class SchedulerMcpTask
{
    /// <summary>Gets the name a caller gives as <c>task</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets what the task does, for an agent choosing it; <see langword="null"/> when not given.</summary>
    public string? Description { get; init; }

    /// <summary>Gets a value indicating whether a call may give positional arguments (<c>args</c>).</summary>
    /// <value>The default is <see langword="false"/>: <c>args</c> are refused.</value>
    public bool TakesArgs { get; init; }

    /// <summary>Gets the names a call's keyword arguments (<c>kwargs</c>) may use.</summary>
    /// <value>The default is empty: <c>kwargs</c> are refused.</value>
    public IReadOnlyList<string> Kwargs { get; init; } = [];

    /// <summary>
    /// Gets the function that turns a checked call into the job to add; <see langword="null"/> runs the registered task
    /// <see cref="Name"/> with the call's arguments.
    /// </summary>
    /// <remarks>
    /// It runs after every generic check (task, trigger, limits, argument names and sizes). An
    /// <see cref="ArgumentException"/> it throws refuses the call, its message becoming the error the caller sees.
    /// </remarks>
    public Func<SchedulerMcpJobRequest, JobDefinition>? CreateJob { get; init; }
}
