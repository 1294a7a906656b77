namespace Codomyrmex.Scheduler;

/// <summary>A claimed run inside this process, with the cancellation that ends it.</summary>
internal sealed class RunHandle(ClaimedRun run, CancellationToken external) : IDisposable
{
    private readonly CancellationTokenSource _cancellation = CancellationTokenSource.CreateLinkedTokenSource(external);
    private volatile bool _jobCancelled;

    public ClaimedRun Run { get; } = run;

    public string JobId => Run.Job.Id;

    /// <summary>Gets the token that ends the run: cancelled when the job is cancelled or the scheduler shuts down.</summary>
    public CancellationToken Token => _cancellation.Token;

    public bool JobCancelled => _jobCancelled;

    public void CancelJob()
    {
        _jobCancelled = true;
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
