using System.Runtime.ExceptionServices;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>A write operation whose body returns a <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The body's result.</typeparam>
internal sealed class PendingWrite<T> : PendingWrite
{
    private readonly Func<T> _body;
    private readonly TaskCompletionSource<T>? _waiter;
    private T? _result;
    private ExceptionDispatchInfo? _error;

    /// <param name="body">The operation, run inside the write transaction.</param>
    /// <param name="queued">Whether a caller waits for it asynchronously (it queued behind another write).</param>
    public PendingWrite(Func<T> body, bool queued)
    {
        _body = body;
        if (queued)
        {
            // Continuations run on the thread pool, not on the thread that commits the next writes.
            _waiter = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Gets the task a queued caller waits for.</summary>
    public Task<T> Task => _waiter!.Task;

    public override void Run() => _result = _body();

    public override void Fail(Exception exception)
    {
        base.Fail(exception);
        _error = ExceptionDispatchInfo.Capture(exception);
    }

    /// <summary>The result of a write that ran on the caller's thread, or its error, rethrown with its stack.</summary>
    public T Result()
    {
        _error?.Throw();
        return _result!;
    }

    public override void Complete()
    {
        if (_error is { } error)
        {
            _waiter!.TrySetException(error.SourceException);
        }
        else
        {
            _waiter!.TrySetResult(_result!);
        }
    }
}
