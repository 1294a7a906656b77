using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

/// <summary>A claimed run inside this process, with the cancellation that ends it.</summary>
/// <remarks>
/// A scheduled run has a source of its own, which the dispatcher cancels at shutdown: not a source linked to a shared
/// shutdown token, whose registrations every run would contend on. Only a RunNow run links the caller's token.
/// </remarks>
internal sealed class RunHandle(ClaimedRun run, CancellationToken external = default) : IDisposable
{
    private readonly CancellationTokenSource _cancellation =
        external.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(external) : new CancellationTokenSource();
    private volatile bool _jobCancelled;
    private volatile bool _shutDown;

    public ClaimedRun Run { get; } = run;

    public string JobId => Run.Job.Id;

    /// <summary>Gets the token that ends the run: cancelled when the job is cancelled or the scheduler shuts down.</summary>
    public CancellationToken Token => _cancellation.Token;

    public bool JobCancelled => _jobCancelled;

    /// <summary>Gets a value indicating whether the caller of a RunNow run cancelled it (its process is stopping, say).</summary>
    public bool CallerCancelled => external.IsCancellationRequested;

    /// <summary>Gets a value indicating whether the scheduler's shutdown cancelled the run (it outlived the shutdown timeout).</summary>
    public bool ShutDown => _shutDown;

    public void CancelJob()
    {
        _jobCancelled = true;
        Cancel();
    }

    public void CancelForShutdown()
    {
        _shutDown = true;
        Cancel();
    }

    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
    }

    public void Dispose() => _cancellation.Dispose();
}
