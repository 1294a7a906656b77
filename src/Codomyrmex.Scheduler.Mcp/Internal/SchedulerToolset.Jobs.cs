using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Mcp.Internal;

internal sealed partial class SchedulerToolset
{
    /// <summary>The runs <c>job_status</c> shows.</summary>
    private const int StatusHistory = 10;

    /// <summary>The deepest <c>offset</c> <c>list_jobs</c> and <c>job_history</c> accept: a store passes over that many rows one by one.</summary>
    internal const int MaxOffset = 100_000;

    private async ValueTask<JsonObject> ListJobsAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        JobStatus? status = null;
        if (arguments.OptionalElement("status") is { } given)
        {
            string text = given.ValueKind == System.Text.Json.JsonValueKind.String ? ToolArguments.Text(given, "\"status\"") : given.GetRawText();
            status = JobJson.ParseStatus(text) ?? throw new ToolError($"Unknown status: {Texts.Clip(text)}");
        }

        int limit = arguments.OptionalInteger("limit", 1, 1000) ?? 100;
        int offset = arguments.OptionalInteger("offset", 0, MaxOffset) ?? 0;
        JobPage page = await _scheduler.ListJobsAsync(new JobQuery { Status = status, Limit = limit, Offset = offset }, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["jobs"] = new JsonArray([.. page.Items.Select(JobJson.Summary)]),
            ["total"] = page.Total,
            ["offset"] = offset,
            ["limit"] = limit,
        };
    }

    /// <summary><c>cancel_job</c>: unknown ids answer <c>cancelled: false</c>; cancelling twice answers true both times.</summary>
    private async ValueTask<JsonObject> CancelJobAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        string id = JobId(arguments);
        bool cancelled = await _scheduler.CancelAsync(id, cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["cancelled"] = cancelled, ["job_id"] = id };
    }

    private async ValueTask<JsonObject> JobStatusAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        Job job = await FindAsync(JobId(arguments), cancellationToken).ConfigureAwait(false);
        RunPage runs = await _scheduler.GetRunsAsync(new RunQuery { JobId = job.Id, Limit = StatusHistory }, cancellationToken).ConfigureAwait(false);
        return JobJson.Detail(job, runs.Items, runs.Total);
    }

    private async ValueTask<JsonObject> JobHistoryAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        Job job = await FindAsync(JobId(arguments), cancellationToken).ConfigureAwait(false);
        int limit = arguments.OptionalInteger("limit", 1, 100) ?? 20;
        int offset = arguments.OptionalInteger("offset", 0, MaxOffset) ?? 0;
        RunPage runs = await _scheduler.GetRunsAsync(new RunQuery { JobId = job.Id, Limit = limit, Offset = offset }, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["job_id"] = job.Id,
            ["runs"] = new JsonArray([.. runs.Items.Select(JobJson.Run)]),
            ["total"] = runs.Total,
            ["offset"] = offset,
            ["limit"] = limit,
        };
    }

    /// <summary>
    /// <c>run_job_now</c>: starts a run outside the schedule and answers once it has started (or could not start), without
    /// waiting for it to end; <c>job_status</c> shows its outcome.
    /// </summary>
    private async ValueTask<JsonObject> RunJobNowAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        Job job = await FindAsync(JobId(arguments), cancellationToken).ConfigureAwait(false);
        if (job.Status == JobStatus.Cancelled)
        {
            throw new ToolError($"Job {job.Id} is cancelled; a cancelled job does not run again.");
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnStarted(object? sender, JobEvent e)
        {
            if (e.JobId == job.Id)
            {
                started.TrySetResult();
            }
        }

        _scheduler.JobStarted += OnStarted;
        Task run;
        try
        {
            // The run belongs to the scheduler, not to this call: it goes on when the caller stops waiting, and the
            // scheduler's shutdown or a cancel_job stops it.
            // At most one manual run per job is in flight; its entry goes when it ends, so the map holds only running jobs.
            if (!_manualRuns.TryAdd(job.Id, 0))
            {
                throw new ToolError($"Job {job.Id} has a manual run in progress; wait for it to end (job_status shows it).");
            }

            try
            {
                run = _scheduler.RunNowAsync(job.Id, CancellationToken.None);
            }
            catch
            {
                _manualRuns.TryRemove(job.Id, out _);
                throw;
            }

            string id = job.Id;
            _ = run.ContinueWith(
                (ended, runs) => ((System.Collections.Concurrent.ConcurrentDictionary<string, byte>)runs!).TryRemove(id, out byte _),
                _manualRuns, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await Task.WhenAny(run, started.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _scheduler.JobStarted -= OnStarted;
        }

        if (!started.Task.IsCompleted && run.IsFaulted)
        {
            Exception refusal = run.Exception!.InnerException!;
            await ThrowIfRefusedAsync(job.Id, refusal, cancellationToken).ConfigureAwait(false);

            // Whatever else stopped it is logged by the tool, not shown to the agent.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refusal);
        }

        return new JsonObject { ["job_id"] = job.Id, ["name"] = job.Name, ["started"] = true };
    }

    /// <summary>
    /// Turns a store's refusal to run a job now into the caller's error: the job is gone, cancelled, has made or started all of
    /// its runs, or is finished with a newer live job of its name. Only the stores' own refusals (<see cref="StoreErrors"/>,
    /// which name the job and nothing of the store) are shown; any other failure stays an internal error.
    /// </summary>
    private async ValueTask ThrowIfRefusedAsync(string id, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (ArgumentException or InvalidOperationException))
        {
            return;
        }

        Job? job = await _scheduler.GetJobAsync(id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            throw new ToolError($"Job not found: {Texts.Clip(id)}");
        }

        string message = exception.Message;
        if (exception is InvalidOperationException
            && (message == StoreErrors.ClaimCancelled(job.Id, job.Name).Message
                || message == StoreErrors.ClaimLimitReached(job.Id, job.Name, job.MaxRuns).Message
                || message.StartsWith(StoreErrors.ClaimNameTaken(job.Id, job.Name, "").Message.Split(" and job '")[0] + " and job '", StringComparison.Ordinal)))
        {
            throw new ToolError(message);
        }
    }

    private async ValueTask<JsonObject> PauseJobAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        string id = JobId(arguments);
        if (!await _scheduler.PauseAsync(id, cancellationToken).ConfigureAwait(false))
        {
            throw new ToolError($"Job not found: {Texts.Clip(id)}");
        }

        return PauseAnswer(await FindAsync(id, cancellationToken).ConfigureAwait(false));
    }

    private async ValueTask<JsonObject> ResumeJobAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        string id = JobId(arguments);
        if (!await _scheduler.ResumeAsync(id, cancellationToken).ConfigureAwait(false))
        {
            throw new ToolError($"Job not found: {Texts.Clip(id)}");
        }

        return PauseAnswer(await FindAsync(id, cancellationToken).ConfigureAwait(false));
    }

    private static JsonObject PauseAnswer(Job job) => new()
    {
        ["job_id"] = job.Id,
        ["paused"] = job.IsPaused,
        ["status"] = JobJson.Status(job.Status),
        ["next_run"] = job.NextRun is { } next ? Texts.Time(next) : null,
    };
}
