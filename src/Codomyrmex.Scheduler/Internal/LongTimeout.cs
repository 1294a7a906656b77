namespace Codomyrmex.Scheduler.Internal;

/// <summary>
/// A token that is cancelled once a timeout has elapsed on a <see cref="TimeProvider"/>, for any positive timeout: unlike
/// <c>new CancellationTokenSource(timeout, time)</c>, which refuses more than about 49.7 days, it re-arms its timer until the
/// whole timeout has elapsed. A timeout of zero (or less) is over at once.
/// </summary>
internal sealed class LongTimeout : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly long _started;
    private readonly ITimer? _timer;

    public LongTimeout(TimeSpan timeout, TimeProvider time)
    {
        _time = time;
        _timeout = timeout;
        _started = time.GetTimestamp();
        if (timeout <= TimeSpan.Zero)
        {
            // Over already: a timer would fire only after its shortest wait, and never on a test clock that is not moved.
            _source.Cancel();
            return;
        }

        _timer = time.CreateTimer(static state => ((LongTimeout)state!).Elapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // Periodic, and changed only from its own callback: a timer may re-arm itself after its callback returns, from its
        // period (FakeTimeProvider's does), so the period is always the next wait.
        TimeSpan first = LongTime.ForTimer(timeout);
        _timer.Change(first, first);
    }

    public CancellationToken Token => _source.Token;

    public bool IsCancellationRequested => _source.IsCancellationRequested;

    public void Dispose()
    {
        _timer?.Dispose();
        _source.Dispose();
    }

    private void Elapsed()
    {
        TimeSpan remaining = _timeout - _time.GetElapsedTime(_started);
        try
        {
            if (remaining > TimeSpan.Zero)
            {
                TimeSpan next = LongTime.ForTimer(remaining);
                _timer!.Change(next, next);
            }
            else
            {
                _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _source.Cancel();
            }
        }
        catch (ObjectDisposedException)
        {
            // The run ended (and disposed this) while the timer fired: nothing is waiting for the timeout any more.
        }
    }
}
