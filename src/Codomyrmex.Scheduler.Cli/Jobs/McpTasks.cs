using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.JobsSchema;
using Codomyrmex.Scheduler.Mcp;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>The tasks of a jobs file as MCP tasks: a job an agent schedules runs the task's command, as a job of the file naming it would.</summary>
internal static class McpTasks
{
    /// <summary>Each task of the file, binding a call's <c>args</c> and <c>kwargs</c> by the task's own rules.</summary>
    public static IEnumerable<SchedulerMcpTask> From(JobsFile file) => file.Tasks.Select(task => new SchedulerMcpTask
    {
        Name = task.Name,
        Description = task.Description,
        TakesArgs = task.TakesArgs,
        ArgsMayBeOptions = task.ArgsMayBeOptions,
        Kwargs = task.Kwargs,
        CreateJob = request => ToDefinition(task, request),
    });

    /// <summary>
    /// The job of one call: the argv with the call's <c>args</c> appended (only for a task that takes them), the task's
    /// environment with the allowed <c>kwargs</c> added, never through a shell the task did not ask for.
    /// </summary>
    /// <exception cref="ArgumentException">An argument or keyword is not allowed or not a scalar; the message says which.</exception>
    private static JobDefinition ToDefinition(TaskShape task, SchedulerMcpJobRequest request)
    {
        IReadOnlyList<string> argv = task.BindArgs(request.Args, out string? error) ?? throw new ArgumentException(Capitalize(error));
        IReadOnlyDictionary<string, string> environment = task.BindKwargs(request.Kwargs, out error) ?? throw new ArgumentException(Capitalize(error));
        (System.Text.Json.Nodes.JsonArray args, System.Text.Json.Nodes.JsonObject kwargs) =
            CommandInvocation.ToJson(argv, task.Shell, task.WorkingDirectory, environment);
        return new JobDefinition
        {
            Name = request.Name,
            Task = CommandRunner.TaskName,
            Trigger = request.Trigger,
            Args = args,
            Kwargs = kwargs,
            MaxRuns = request.MaxRuns,
            Options = task.Timeout is { } timeout ? JobOptions.Default with { Timeout = timeout } : JobOptions.Default,
        };
    }

    private static string Capitalize(string? text) => string.IsNullOrEmpty(text) ? "The arguments are not valid." : char.ToUpperInvariant(text[0]) + text[1..];
}
