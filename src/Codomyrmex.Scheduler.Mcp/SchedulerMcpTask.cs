namespace Codomyrmex.Scheduler.Mcp;

/// <summary>A task that MCP callers may schedule by name: what it does, and which arguments a call may give it.</summary>
/// <remarks>
/// <para>
/// An agent never chooses the code that runs: it names one of these tasks. A call's <c>args</c> are refused unless
/// <see cref="TakesArgs"/> is set (and one that starts with <c>-</c> unless <see cref="ArgsMayBeOptions"/> is set too), its
/// <c>kwargs</c> may only use the names in <see cref="Kwargs"/>, and no string in either may hold a control character or a
/// bidirectional-override character.
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

    /// <summary>Gets a value indicating whether a call's <c>args</c> may start with <c>-</c>, where a program reads its options.</summary>
    /// <value>
    /// The default is <see langword="false"/>: an argument (a string, or a negative number) whose text starts with <c>-</c> is
    /// refused, so that a caller cannot turn an argument such as <c>--delete-all</c> or <c>-rf</c> into an option of the program.
    /// </value>
    /// <remarks>Set it only for a task whose program reads its arguments after <c>--</c>, or that has no options to misuse.</remarks>
    public bool ArgsMayBeOptions { get; init; }

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
