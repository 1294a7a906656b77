namespace Codomyrmex.Scheduler;

/// <summary>A claimed run inside this process: its cancellation and the signal that it has been recorded.</summary>
internal sealed class RunHandle(ClaimedRun run, CancellationToken external) : IDisposable
{
    private readonly CancellationTokenSource _cancellation = CancellationTokenSource.CreateLinkedTokenSource(external);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _jobCancelled;

    public ClaimedRun Run { get; } = run;

    public string JobId => Run.Job.Id;

    /// <summary>Gets the token that ends the run: cancelled when the job is cancelled or the scheduler shuts down.</summary>
    public CancellationToken Token => _cancellation.Token;

    public bool JobCancelled => _jobCancelled;

    /// <summary>Gets a task that completes once the run's outcome is recorded.</summary>
    public Task Done => _done.Task;

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

    public void MarkDone() => _done.TrySetResult();

    public void Dispose() => _cancellation.Dispose();
}
