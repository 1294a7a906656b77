using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol.Server;

namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>The scheduler's MCP tools over one scheduler and one set of options.</summary>
#pragma warning disable CA1001 // The semaphore holds no OS handle (its AvailableWaitHandle is never read), and the toolset lives as long as its tools.
internal sealed partial class SchedulerToolset
#pragma warning restore CA1001
{
    /// <summary>The longest job id a call may give (ids the scheduler draws are far shorter).</summary>
    private const int MaxIdLength = 128;

    private readonly Scheduler _scheduler;
    private readonly SchedulerMcpOptions _options;
    private readonly Dictionary<string, SchedulerMcpTask> _tasks;

    /// <summary>Serializes <c>schedule_job</c>, so that two calls at once cannot both pass the cap.</summary>
    private readonly SemaphoreSlim _scheduling = new(1, 1);

    /// <summary>The runs <c>run_job_now</c> started and that have not ended, so their outcome is always observed.</summary>
    private readonly ConcurrentDictionary<string, byte> _manualRuns = new(StringComparer.Ordinal);

    public SchedulerToolset(Scheduler scheduler, SchedulerMcpOptions options)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("The MCP options are not valid: " + string.Join(" ", problems), nameof(options));
        }

        _scheduler = scheduler;
        _options = options;
        _tasks = options.Tasks.ToDictionary(task => task.Name, StringComparer.Ordinal);
    }

    /// <summary>How many tools <see cref="CreateTools"/> makes.</summary>
    public const int ToolCount = 10;

    /// <summary>Every tool, in the order <c>tools/list</c> shows them.</summary>
    public IReadOnlyList<McpServerTool> CreateTools() =>
    [
        new SchedulerTool("schedule_job", ToolText.ScheduleJob, ToolText.ScheduleJobSchema, readOnly: false, destructive: false, ScheduleJobAsync),
        new SchedulerTool("list_jobs", ToolText.ListJobs, ToolText.ListJobsSchema, readOnly: true, destructive: false, ListJobsAsync),
        new SchedulerTool("cancel_job", ToolText.CancelJob, ToolText.JobIdSchema, readOnly: false, destructive: true, CancelJobAsync),
        new SchedulerTool("job_status", ToolText.JobStatus, ToolText.JobStatusSchema, readOnly: true, destructive: false, JobStatusAsync),
        new SchedulerTool("run_job_now", ToolText.RunJobNow, ToolText.JobIdSchema, readOnly: false, destructive: false, RunJobNowAsync),
        new SchedulerTool("job_history", ToolText.JobHistory, ToolText.JobHistorySchema, readOnly: true, destructive: false, JobHistoryAsync),
        new SchedulerTool("list_tasks", ToolText.ListTasks, ToolText.NoArgumentsSchema, readOnly: true, destructive: false, ListTasksAsync),
        new SchedulerTool("explain_cron", ToolText.ExplainCron, ToolText.ExplainCronSchema, readOnly: true, destructive: false, ExplainCronAsync),
        new SchedulerTool("pause_job", ToolText.PauseJob, ToolText.JobIdSchema, readOnly: false, destructive: false, PauseJobAsync),
        new SchedulerTool("resume_job", ToolText.ResumeJob, ToolText.JobIdSchema, readOnly: false, destructive: false, ResumeJobAsync),
    ];

    /// <summary>The job a call names, or the documented error.</summary>
    private async ValueTask<Job> FindAsync(string id, CancellationToken cancellationToken) =>
        await _scheduler.GetJobAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new ToolError($"Job not found: {Texts.Clip(id)}");

    private static string JobId(ToolArguments arguments) => arguments.RequiredString("job_id", MaxIdLength);

    private static ValueTask<JsonObject> Answer(JsonObject answer) => ValueTask.FromResult(answer);
}
