using System.Globalization;
using Codomyrmex.Scheduler.PostgreSql;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codomyrmex.Scheduler.Hosting.Health;

/// <summary>
/// Unhealthy when the dispatcher is not running, fails to claim due runs, or the store cannot be reached; Degraded when a
/// PostgreSQL store is not listening for other nodes' changes, or when jobs keep failing (their
/// last <see cref="SchedulerHealthCheckOptions.FailedRunsThreshold"/> runs all failed); Healthy otherwise. The data holds the live
/// nodes of the store (<c>nodes</c>) and this scheduler's instance id (<c>instance_id</c>).
/// </summary>
internal sealed class SchedulerHealthCheck(Scheduler scheduler, SchedulerHealthCheckOptions options) : IHealthCheck
{
    /// <summary>The data key of the number of live nodes in the store.</summary>
    public const string NodesKey = "nodes";

    /// <summary>The data key of this scheduler's instance id.</summary>
    public const string InstanceIdKey = "instance_id";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!scheduler.IsRunning)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The scheduler is not running: it has not started or it has stopped.");
        }

        var failing = new Dictionary<string, object>(StringComparer.Ordinal);
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        int jobs;
        try
        {
            data[InstanceIdKey] = scheduler.Node.InstanceId;
            data[NodesKey] = (await scheduler.Store.ListNodesAsync(cancellationToken).ConfigureAwait(false)).Count;

            JobPage page = await scheduler.ListJobsAsync(default, cancellationToken).ConfigureAwait(false);
            jobs = page.Total;
            foreach (Job job in page.Items)
            {
                // Only a job whose last run failed can be failing repeatedly; only then is its history read.
                if (job.Error is not null && job.Status is JobStatus.Pending or JobStatus.Running
                    && await IsFailingAsync(job, cancellationToken).ConfigureAwait(false))
                {
                    failing[job.Name] = job.Error;
                }
            }
        }
#pragma warning disable CA1031 // Whatever the store throws means it cannot be reached: that is the report, not a crash of the check.
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"The scheduler's store cannot be reached: {exception.GetType().Name}: {exception.Message}", exception);
        }

        // After the store read: a store that cannot be reached at all is named as such; one that reads but cannot claim
        // (a damaged row, a lock) shows up only here.
        if (scheduler.LastDispatchError is { } dispatchError)
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"The scheduler's dispatcher cannot claim due runs: {dispatchError.GetType().Name}: {dispatchError.Message}", dispatchError);
        }

        // A PostgreSQL store that lost its LISTEN connection still works, but notices other nodes' changes only when it
        // claims or reads: late, not broken. It reopens the connection with backoff.
        if (scheduler.Store is PostgreSqlJobStore { IsListening: false })
        {
            return HealthCheckResult.Degraded(
                "The scheduler's PostgreSQL store is not listening for other nodes' changes (its LISTEN connection was lost and is being " +
                "reopened, or ListenForChanges is off): jobs scheduled, cancelled or changed elsewhere are noticed late.",
                data: data);
        }

        if (failing.Count > 0)
        {
            string names = string.Join(", ", failing.Keys.Order(StringComparer.Ordinal));
            return HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"{failing.Count} of {jobs} jobs failed their last {options.FailedRunsThreshold} runs: {names}."),
                data: failing.Concat(data.Where(entry => !failing.ContainsKey(entry.Key))).ToDictionary(StringComparer.Ordinal));
        }

        return HealthCheckResult.Healthy(
            string.Create(CultureInfo.InvariantCulture, $"The scheduler is running; its store holds {jobs} jobs and knows {data[NodesKey]} live nodes."),
            data);
    }

    private async Task<bool> IsFailingAsync(Job job, CancellationToken cancellationToken)
    {
        int threshold = options.FailedRunsThreshold;
        RunPage runs = await scheduler.GetRunsAsync(new RunQuery { JobId = job.Id, Limit = threshold }, cancellationToken).ConfigureAwait(false);
        return runs.Items.Count >= threshold && runs.Items.All(run => run.Outcome is RunOutcome.Failed or RunOutcome.Interrupted);
    }
}
