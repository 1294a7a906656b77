using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Mcp;

/// <summary>A checked <c>schedule_job</c> call, as <see cref="SchedulerMcpTask.CreateJob"/> receives it.</summary>
public readonly struct SchedulerMcpJobRequest
{
    /// <summary>Initializes a new instance of the <see cref="SchedulerMcpJobRequest"/> struct.</summary>
    /// <param name="task">The task the call names.</param>
    /// <param name="name">The job's name.</param>
    /// <param name="trigger">When the job runs.</param>
    /// <param name="args">The positional arguments (empty when none were given).</param>
    /// <param name="kwargs">The keyword arguments (empty when none were given).</param>
    /// <param name="maxRuns">The most runs, or <see langword="null"/> for no limit.</param>
    public SchedulerMcpJobRequest(SchedulerMcpTask task, string name, Trigger trigger, JsonArray args, JsonObject kwargs, int? maxRuns)
    {
        Task = task;
        Name = name;
        Trigger = trigger;
        Args = args;
        Kwargs = kwargs;
        MaxRuns = maxRuns;
    }

    /// <summary>Gets the task the call names.</summary>
    public SchedulerMcpTask Task { get; }

    /// <summary>Gets the job's name.</summary>
    public string Name { get; }

    /// <summary>Gets when the job runs.</summary>
    public Trigger Trigger { get; }

    /// <summary>Gets the positional arguments, empty when none were given.</summary>
    public JsonArray Args { get; }

    /// <summary>Gets the keyword arguments, only names of the task's allow-list, empty when none were given.</summary>
    public JsonObject Kwargs { get; }

    /// <summary>Gets the most runs, or <see langword="null"/> for no limit.</summary>
    public int? MaxRuns { get; }
}
