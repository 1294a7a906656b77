using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Shared;

namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>
/// Jobs and runs as the tools answer them: snake_case fields, ISO-8601 times with offsets, lower-case names, errors as their
/// message without the .NET exception type (<see cref="ErrorText"/>).
/// </summary>
internal static class JobJson
{
    /// <summary>A job in a <c>list_jobs</c> answer.</summary>
    public static JsonObject Summary(Job job) => new()
    {
        ["job_id"] = job.Id,
        ["name"] = job.Name,
        ["status"] = Status(job.Status),
        ["trigger_type"] = TriggerType(job.Trigger),
        ["next_run"] = Time(job.NextRun),
        ["run_count"] = job.RunCount,
        ["last_run"] = Time(job.LastRun),
    };

    /// <summary>A job in a <c>job_status</c> answer, with its recent runs.</summary>
    public static JsonObject Detail(Job job, IEnumerable<RunRecord> history, int total) => new()
    {
        ["job_id"] = job.Id,
        ["name"] = job.Name,
        ["status"] = Status(job.Status),
        ["trigger_type"] = TriggerType(job.Trigger),
        ["created_at"] = Texts.Time(job.CreatedAt),
        ["last_run"] = Time(job.LastRun),
        ["next_run"] = Time(job.NextRun),
        ["run_count"] = job.RunCount,
        ["max_runs"] = job.MaxRuns,
        ["error"] = ErrorText.Message(job.Error),
        ["paused"] = job.IsPaused,
        ["failure_count"] = job.FailureCount,
        ["history"] = new JsonArray([.. history.Select(Run)]),
        ["history_total"] = total,
    };

    /// <summary>One run of the history.</summary>
    public static JsonObject Run(RunRecord run) => new()
    {
        ["run_id"] = run.RunId,
        ["outcome"] = run.Outcome switch
        {
            RunOutcome.Succeeded => "succeeded",
            RunOutcome.Failed => "failed",
            RunOutcome.Skipped => "skipped",
            RunOutcome.Cancelled => "cancelled",
            _ => "interrupted",
        },
        ["scheduled_time"] = Texts.Time(run.ScheduledTime),
        ["started_at"] = Texts.Time(run.StartedAt),
        ["finished_at"] = Texts.Time(run.FinishedAt),
        ["duration_seconds"] = run.Duration.TotalSeconds,
        ["attempt"] = run.Attempt,
        ["manual"] = run.IsManual,
        ["error"] = ErrorText.Message(run.Error),
        ["result"] = run.Result,
    };

    public static string Status(JobStatus status) => status switch
    {
        JobStatus.Pending => "pending",
        JobStatus.Running => "running",
        JobStatus.Completed => "completed",
        JobStatus.Failed => "failed",
        _ => "cancelled",
    };

    /// <summary>Reads a status as the tools write it (any case); <see langword="null"/> when it is none.</summary>
    public static JobStatus? ParseStatus(string text) => text.ToUpperInvariant() switch
    {
        "PENDING" => JobStatus.Pending,
        "RUNNING" => JobStatus.Running,
        "COMPLETED" => JobStatus.Completed,
        "FAILED" => JobStatus.Failed,
        "CANCELLED" => JobStatus.Cancelled,
        _ => null,
    };

    /// <summary>A job without a trigger runs once, as soon as possible: it is a once job.</summary>
    public static string TriggerType(Trigger? trigger) => trigger?.Type switch
    {
        global::Codomyrmex.Scheduler.TriggerType.Interval => "interval",
        global::Codomyrmex.Scheduler.TriggerType.Cron => "cron",
        _ => "once",
    };

    private static string? Time(DateTimeOffset? time) => time is { } value ? Texts.Time(value) : null;
}
