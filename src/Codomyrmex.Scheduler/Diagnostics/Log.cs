using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Diagnostics;

/// <summary>The scheduler's log messages. Event ids are stable and public: 1xxx lifecycle, 2xxx runs, 3xxx jobs.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Scheduler {NodeName} started with {MaxWorkers} workers")]
    public static partial void Started(ILogger logger, string nodeName, int maxWorkers);

    [LoggerMessage(1001, LogLevel.Information, "Scheduler {NodeName} stopping; waiting up to {ShutdownTimeout} for {RunningJobs} running jobs")]
    public static partial void Stopping(ILogger logger, string nodeName, TimeSpan shutdownTimeout, int runningJobs);

    [LoggerMessage(1002, LogLevel.Warning, "Shutdown timeout reached; cancelling {RunningJobs} running jobs")]
    public static partial void ShutdownTimedOut(ILogger logger, int runningJobs);

    [LoggerMessage(1003, LogLevel.Information, "Scheduler {NodeName} stopped")]
    public static partial void Stopped(ILogger logger, string nodeName);

    [LoggerMessage(1004, LogLevel.Error, "The dispatcher failed and retries in a moment")]
    public static partial void DispatcherFailed(ILogger logger, Exception exception);

    [LoggerMessage(1005, LogLevel.Error, "A handler of the {EventName} event threw; the scheduler carries on")]
    public static partial void EventHandlerFailed(ILogger logger, string eventName, Exception exception);

    [LoggerMessage(1006, LogLevel.Error, "The store's maintenance (heartbeat, lease renewal, recovery or retention) failed; it is tried again at the next one")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(1007, LogLevel.Information, "Retention deleted {JobsDeleted} finished jobs and {RunsDeleted} run history records")]
    public static partial void Purged(ILogger logger, int jobsDeleted, int runsDeleted);

    [LoggerMessage(1008, LogLevel.Warning, "Scheduler {NodeName} could not leave the store; the store forgets it when its heartbeat lapses")]
    public static partial void LeaveFailed(ILogger logger, string nodeName, Exception exception);

    [LoggerMessage(2000, LogLevel.Debug, "Job {JobName} ({JobId}) started for {ScheduledTime:O}, attempt {Attempt}")]
    public static partial void RunStarted(ILogger logger, string jobName, string jobId, DateTimeOffset scheduledTime, int attempt);

    [LoggerMessage(2001, LogLevel.Information, "Job {JobName} ({JobId}) succeeded in {Duration}")]
    public static partial void RunSucceeded(ILogger logger, string jobName, string jobId, TimeSpan duration);

    [LoggerMessage(2002, LogLevel.Error, "Job {JobName} ({JobId}) failed after {Attempts} attempt(s): {Error}")]
    public static partial void RunFailed(ILogger logger, string jobName, string jobId, int attempts, string error, Exception? exception);

    [LoggerMessage(2003, LogLevel.Warning, "Job {JobName} ({JobId}) attempt {Attempt} failed; retrying in {Delay}: {Error}")]
    public static partial void RunRetrying(ILogger logger, string jobName, string jobId, int attempt, TimeSpan delay, string error);

    [LoggerMessage(2004, LogLevel.Warning, "Job {JobName} ({JobId}) skipped the occurrence at {ScheduledTime:O}: {Reason}")]
    public static partial void OccurrenceSkipped(ILogger logger, string jobName, string jobId, DateTimeOffset scheduledTime, SkipReason reason);

    [LoggerMessage(2005, LogLevel.Information, "Job {JobName} ({JobId}) was cancelled while running")]
    public static partial void RunCancelled(ILogger logger, string jobName, string jobId);

    [LoggerMessage(2006, LogLevel.Warning, "Run {RunId} of job {JobName} ({JobId}) was interrupted: its node {NodeName} lost the lease")]
    public static partial void RunInterrupted(ILogger logger, string runId, string jobName, string jobId, string nodeName);

    [LoggerMessage(2007, LogLevel.Warning, "Recording the outcome of job {JobName} ({JobId}) failed (try {Try}); trying again in {Delay}")]
    public static partial void RecordRetrying(ILogger logger, string jobName, string jobId, int @try, TimeSpan delay, Exception exception);

    [LoggerMessage(2008, LogLevel.Error, "The outcome of job {JobName} ({JobId}) could not be recorded; its run stays claimed until its lease is recovered")]
    public static partial void RunNotRecorded(ILogger logger, string jobName, string jobId, Exception exception);

    [LoggerMessage(2009, LogLevel.Warning, "Job {JobName} ({JobId}) was interrupted by the shutdown; it runs again at the next start (recoverable): {Recovers}")]
    public static partial void RunStoppedByShutdown(ILogger logger, string jobName, string jobId, bool recovers);

    [LoggerMessage(2010, LogLevel.Warning, "Run {RunId} of job {JobName} ({JobId}) was lost: this node's lease lapsed and the store gave the run to another claim; its token is cancelled and its outcome is not recorded here")]
    public static partial void RunLost(ILogger logger, string runId, string jobName, string jobId);

    [LoggerMessage(3000, LogLevel.Debug, "Job {JobName} ({JobId}) scheduled with {Trigger}; next run {NextRun:O}")]
    public static partial void JobScheduled(ILogger logger, string jobName, string jobId, string trigger, DateTimeOffset? nextRun);

    [LoggerMessage(3001, LogLevel.Information, "Job {JobName} ({JobId}) cancelled")]
    public static partial void JobCancelled(ILogger logger, string jobName, string jobId);
}
