using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>
/// Everything the dashboard reads from and asks of the scheduler and its store, in one place: the pages and endpoints never
/// touch <see cref="IJobStore"/> or the query types themselves.
/// </summary>
/// <remarks>
/// Reads are paged and filtered by the store: a page of jobs is one <see cref="IJobStore.ListAsync"/> with a limit (two for
/// newest first: the count, then the page counted from the end), the name filter is the query's
/// <see cref="JobQuery.NamePrefix"/> (names that start with the text, case by case: the store finds them in its index of
/// names), and the counts by status are one <see cref="IJobStore.CountAsync"/>, so a store of a million jobs renders a page
/// as fast as a store of ten. It lives as long as the application that maps the dashboard, and so do its subscriptions to the
/// scheduler's and the store's events.
/// Queries are written with initializers (not constructors) so they read the same whether the query types are positional
/// records or have init-only properties.
/// </remarks>
internal sealed class DashboardData
{
    /// <summary>How many of the newest runs the nodes view reads to find what each node ran last.</summary>
    private const int NodeHistory = 200;

    private readonly Scheduler _scheduler;
    private readonly IJobStore _store;

    public DashboardData(Scheduler scheduler)
    {
        _scheduler = scheduler;
        _store = scheduler.Store;
        _scheduler.JobStarted += OnJobEvent;
        _scheduler.JobSucceeded += OnJobEvent;
        _scheduler.JobFailed += OnJobEvent;
        _scheduler.JobRetrying += OnJobEvent;
        _scheduler.JobSkipped += OnJobEvent;
        _store.Changed += OnStoreChanged;
    }

    /// <summary>Raised after a job may have changed: its id, or <see langword="null"/> when the store does not say which.</summary>
    public event Action<string?>? Changed;

    /// <summary>The scheduler's clock.</summary>
    public TimeProvider Time => _scheduler.TimeProvider;

    /// <summary>Reads one page of jobs: of a status (all for <see langword="null"/>) whose name starts with <paramref name="namePrefix"/> (any for empty).</summary>
    public async Task<JobList> ListJobsAsync(JobStatus? status, string? namePrefix, bool newestFirst, int page, int pageSize, CancellationToken cancellationToken)
    {
        int offset = checked(Math.Max(0, page - 1) * pageSize);
        var filter = new JobQuery { Status = status, NamePrefix = string.IsNullOrEmpty(namePrefix) ? null : namePrefix };
        if (!newestFirst)
        {
            JobPage forward = await _store.ListAsync(filter with { Offset = offset, Limit = pageSize }, cancellationToken).ConfigureAwait(false);
            return new JobList(forward.Items, forward.Total, forward.Total > offset + forward.Items.Count);
        }

        // The store lists jobs in the order they were added; newest first is the same page counted from the end.
        int total = (await _store.ListAsync(filter with { Offset = 0, Limit = 0 }, cancellationToken).ConfigureAwait(false)).Total;
        int end = total - offset;
        if (end <= 0)
        {
            return new JobList([], total, HasMore: false);
        }

        int start = Math.Max(0, end - pageSize);
        JobPage backward = await _store.ListAsync(filter with { Offset = start, Limit = end - start }, cancellationToken).ConfigureAwait(false);
        var items = backward.Items.Reverse().ToList();
        return new JobList(items, backward.Total, start > 0);
    }

    /// <summary>Counts the jobs of each status, in one call to the store.</summary>
    public async Task<JobCounts> CountAsync(CancellationToken cancellationToken) =>
        await _store.CountAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Reads a job.</summary>
    public async Task<Job?> GetJobAsync(string id, CancellationToken cancellationToken) =>
        await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads one page of run history, newest first: one job's, or every job's with an outcome.</summary>
    public async Task<(IReadOnlyList<RunRecord> Items, int Total)> GetRunsAsync(string? jobId, RunOutcome? outcome, int page, int pageSize,
        CancellationToken cancellationToken)
    {
        int offset = checked(Math.Max(0, page - 1) * pageSize);
        RunPage runs = await _store.GetRunsAsync(new RunQuery { JobId = jobId, Outcome = outcome, Offset = offset, Limit = pageSize }, cancellationToken).ConfigureAwait(false);
        return (runs.Items, runs.Total);
    }

    /// <summary>
    /// The live nodes, what each finished last among the newest runs of the history, and the jobs running now.
    /// </summary>
    /// <remarks>
    /// The store counts the runs each node holds but does not say which runs they are (the history records a run only when it
    /// ends), so the running jobs are listed for the whole store.
    /// </remarks>
    public async Task<NodeList> ListNodesAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<NodeInfo> nodes = await _store.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var lastRuns = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        if (nodes.Count > 0)
        {
            RunPage recent = await _store.GetRunsAsync(new RunQuery { Limit = NodeHistory }, cancellationToken).ConfigureAwait(false);
            foreach (RunRecord run in recent.Items)
            {
                if (run.InstanceId is { } instance)
                {
                    lastRuns.TryAdd(instance, run);
                }
            }
        }

        JobPage running = await _store.ListAsync(new JobQuery { Status = JobStatus.Running, Offset = 0, Limit = 100 }, cancellationToken).ConfigureAwait(false);
        return new NodeList(nodes, _scheduler.Node.InstanceId, lastRuns, running.Items, running.Total);
    }

    /// <summary>Starts a run of a job now, in this process, without waiting for it; <see langword="null"/> when it started, else why not.</summary>
    public async Task<string?> RunNowAsync(string id, CancellationToken cancellationToken)
    {
        Job? job = await GetJobAsync(id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return "There is no such job.";
        }

        if (job.Status == JobStatus.Cancelled)
        {
            return "The job is cancelled; a cancelled job never runs again.";
        }

        if (job.MaxRuns is { } max && job.RunCount >= max)
        {
            return "The job has used up its runs.";
        }

        _ = RunInBackgroundAsync(id);
        return null;
    }

    /// <summary>Cancels a job; <see langword="false"/> if there is none.</summary>
    public async Task<bool> CancelAsync(string id, CancellationToken cancellationToken) =>
        await _scheduler.CancelAsync(id, cancellationToken).ConfigureAwait(false);

    /// <summary>Pauses or resumes a job; <see langword="false"/> if there is none or it is finished.</summary>
    public async Task<bool> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken) => paused
        ? await _scheduler.PauseAsync(id, cancellationToken).ConfigureAwait(false)
        : await _scheduler.ResumeAsync(id, cancellationToken).ConfigureAwait(false);

    private async Task RunInBackgroundAsync(string id)
    {
        // Off the request: a run takes as long as the job does, and the page shows its progress live.
        await Task.Yield();
        try
        {
            await _scheduler.RunNowAsync(id).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The run's outcome, failure included, is in the job's history; nothing waits for it here.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void OnJobEvent(object? sender, JobEvent e) => Changed?.Invoke(e.JobId);

    private void OnStoreChanged(object? sender, JobStoreChange change) => Changed?.Invoke(change.JobId);
}
