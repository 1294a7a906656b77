using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>
/// Says so when another process (<c>schedctl jobs cancel</c> in another shell) cancels one of the jobs this runner runs: the
/// store tells of every change it sees, and each cancel is checked for jobs newly cancelled.
/// </summary>
internal sealed class CancelWatch : IDisposable
{
    private readonly Scheduler _scheduler;
    private readonly RunLog _log;
    private readonly TextWriter _error;
    private readonly HashSet<string> _cancelled;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private int _pending;

    private CancelWatch(Scheduler scheduler, RunLog log, TextWriter error, HashSet<string> cancelled)
    {
        _scheduler = scheduler;
        _log = log;
        _error = error;
        _cancelled = cancelled;
        _scheduler.Store.Changed += OnChanged;
    }

    /// <summary>Starts watching; the jobs cancelled already (removed from the file, cancelled before) are not news.</summary>
    public static async Task<CancelWatch> StartAsync(Scheduler scheduler, RunLog log, TextWriter error)
    {
        JobPage cancelled = await scheduler.ListJobsAsync(new JobQuery { Status = JobStatus.Cancelled }).ConfigureAwait(false);
        return new CancelWatch(scheduler, log, error, [.. cancelled.Items.Select(job => job.Id)]);
    }

    public void Dispose()
    {
        _scheduler.Store.Changed -= OnChanged;
        _checking.Dispose();
    }

    private void OnChanged(object? sender, JobStoreChange change)
    {
        // Only a cancel (or a change the store cannot name) can cancel a job; one check at a time, and one more after it if
        // changes came meanwhile.
        if (change.Kind is JobStoreChangeKind.Cancelled or JobStoreChangeKind.Unknown && Interlocked.Increment(ref _pending) == 1)
        {
            _ = CheckAsync();
        }
    }

    private async Task CheckAsync()
    {
        do
        {
            try
            {
                await _checking.WaitAsync().ConfigureAwait(false);
                try
                {
                    Volatile.Write(ref _pending, 1);
                    JobPage page = await _scheduler.ListJobsAsync(new JobQuery { Status = JobStatus.Cancelled }).ConfigureAwait(false);
                    foreach (Job job in page.Items.Where(job => _cancelled.Add(job.Id)))
                    {
                        _log.Notice(_error, TimeProvider.System.GetUtcNow(), "job_cancelled",
                            $"schedctl: job '{job.Name}' was cancelled elsewhere (schedctl jobs cancel); it will not run again, and a running " +
                            "command of it is stopped. The next start of schedctl run adds it back as a new job while the file declares it.",
                            new JsonObject { ["job"] = job.Name, ["job_id"] = job.Id });
                    }
                }
                finally
                {
                    _checking.Release();
                }
            }
            catch (ObjectDisposedException)
            {
                return;
            }
#pragma warning disable CA1031 // A store that cannot be read now is read again at its next change.
            catch (Exception)
#pragma warning restore CA1031
            {
                // Nothing to say: the scheduler's own reads report a failing store.
            }
        }
        while (Interlocked.Decrement(ref _pending) > 0);
    }
}
