using Codomyrmex.Scheduler.Cli.Running;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>The one rule that turns a job of a jobs file into the job the scheduler keeps: the task "command" with the argv and its settings as JSON.</summary>
internal static class CommandJobs
{
    /// <summary>How long after <c>schedctl run</c> reconciles its file an <c>@reboot</c> job runs.</summary>
    /// <remarks>
    /// The job is a one-time trigger at the start time plus this delay. Each start gives it a new time, so the job already in
    /// the store from an earlier start is updated and runs again; should reconciling take longer than the delay, the time
    /// has passed and the job runs late, as a new job's would (its misfire policy applies). The same process keeps its start
    /// time, so reconciling the file again in it changes nothing and the job does not run twice.
    /// </remarks>
    public static readonly TimeSpan AtStartDelay = TimeSpan.FromSeconds(1);

    /// <summary>A job of the file as the scheduler keeps it.</summary>
    /// <param name="job">The job.</param>
    /// <param name="startedAt">When this <c>schedctl run</c> (or <c>validate</c>) started, for an <c>@reboot</c> job's one run.</param>
    public static JobDefinition ToDefinition(JobSpec job, DateTimeOffset startedAt)
    {
        (System.Text.Json.Nodes.JsonArray args, System.Text.Json.Nodes.JsonObject kwargs) =
            CommandInvocation.ToJson(job.Command, job.Shell, job.WorkingDirectory, job.Environment, job.User);
        return new JobDefinition
        {
            Name = job.Name,
            Task = CommandRunner.TaskName,
            Trigger = job.Trigger ?? new OnceTrigger(startedAt + AtStartDelay),
            Args = args,
            Kwargs = kwargs,
            MaxRuns = job.MaxRuns,
            Options = job.Options,
        };
    }
}
