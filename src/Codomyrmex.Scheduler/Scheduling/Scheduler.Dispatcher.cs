using System.Threading.Channels;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>
    /// One started life of the scheduler: the dispatcher thread that owns the timing and the workers that run jobs.
    /// <c>Stop</c> ends it; <c>Start</c> makes a new one.
    /// </summary>
    private sealed class Dispatcher : IDisposable
    {
        private readonly Scheduler _scheduler;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
        private readonly Channel<RunHandle> _queue = Channel.CreateUnbounded<RunHandle>(new UnboundedChannelOptions { SingleWriter = true });
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ITimer _timer;
        private readonly bool _systemClock;
        private readonly int _capacity;
        private readonly int _lowWater;
        private readonly Task[] _workers;
        private readonly Thread _thread;
        private volatile bool _stopping;
        private volatile bool _waitingForRoom;
        private volatile bool _claiming;
        private int _inFlight;
        private long _plannedWake = long.MaxValue;
        private DateTimeOffset _nextMaintenance;

        public Dispatcher(Scheduler scheduler)
        {
            _scheduler = scheduler;
            _systemClock = ReferenceEquals(scheduler._time, TimeProvider.System);
            _timer = scheduler._time.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), _wake, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

            int workers = scheduler._options.MaxWorkers;

            // Claimed runs wait in a queue so that workers never wait for the dispatcher, and the dispatcher, once the
            // queue is full, is woken only when it has drained to half: one wake per many runs, not one per run. A run
            // that waited in the queue past its grace time still follows the Skip misfire policy when it starts.
            _capacity = (2 * workers) + 64;
            _lowWater = _capacity / 2;
            _workers = new Task[workers];
            for (int i = 0; i < workers; i++)
            {
                _workers[i] = Task.Run(WorkAsync);
            }

            _nextMaintenance = LongTime.Add(scheduler._time.GetUtcNow(), MaintenanceInterval);
            _thread = new Thread(Loop) { IsBackground = true, Name = "Codomyrmex.Scheduler dispatcher" };
            _thread.Start();
        }

        /// <summary>How often leases are renewed and lost runs looked for: three times per lease, so one late renewal loses nothing.</summary>
        private TimeSpan MaintenanceInterval => _scheduler._options.LeaseDuration / 3;

        public bool IsStopping => _stopping;

        public void Wake() => _wake.Set();

        /// <summary>
        /// Whether a job due at <paramref name="due"/> must wake the dispatcher: it is earlier than the wait in progress, or the
        /// dispatcher is not waiting (it may be about to sleep on what it read before the job came).
        /// </summary>
        public bool WakesAfter(DateTimeOffset due) => due.UtcTicks < Volatile.Read(ref _plannedWake);

        /// <summary>Gets a value indicating whether a claim is in progress or claimed runs are queued or running.</summary>
        public bool IsBusy => _claiming || Volatile.Read(ref _inFlight) > 0;

        /// <summary>Stops claiming; returns once the dispatcher thread has left its loop.</summary>
        public Task StopAsync()
        {
            _stopping = true;
            _queue.Writer.TryComplete();
            _wake.Set();
            return _stopped.Task;
        }

        /// <summary>Cancels the tokens of the scheduled runs still going (RunNow runs belong to their callers).</summary>
        public void CancelRuns()
        {
            foreach (RunHandle run in _scheduler._activeRuns.Values)
            {
                if (!run.Run.IsManual)
                {
                    run.CancelForShutdown();
                }
            }
        }

        public Task WorkersAsync() => Task.WhenAll(_workers);

        public void Dispose()
        {
            _timer.Dispose();
        }

        private void Loop()
        {
            try
            {
                while (!_stopping)
                {
                    try
                    {
                        DispatchOnce();
                    }
#pragma warning disable CA1031 // A failing store must not kill the dispatcher: it logs and tries again shortly.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        Volatile.Write(ref _scheduler._dispatchError, exception);
                        Log.DispatcherFailed(_scheduler._logger, exception);
                        WaitUntil(LongTime.Add(_scheduler._time.GetUtcNow(), TimeSpan.FromSeconds(1)));
                    }
                }
            }
            finally
            {
                _stopped.TrySetResult();
            }
        }

        private void DispatchOnce()
        {
            _wake.Reset();
            Scheduler scheduler = _scheduler;
            DateTimeOffset now = scheduler._time.GetUtcNow();
            if (now >= _nextMaintenance)
            {
                _nextMaintenance = LongTime.Add(now, MaintenanceInterval);
                scheduler.MaintainLeasesAsync().GetAwaiter().GetResult();
            }

            int room = _capacity - Volatile.Read(ref _inFlight);
            if (room <= 0)
            {
                // Every worker is busy and the queue is full: wait for a worker to take a run.
                _waitingForRoom = true;
                if (_capacity - Volatile.Read(ref _inFlight) <= 0)
                {
                    WaitUntil(null);
                }

                _waitingForRoom = false;
                return;
            }

            ClaimBatch batch;
            _claiming = true;
            try
            {
                List<ClaimedRun>? unqueued = null;
                lock (scheduler._claimLock)
                {
                    batch = Complete(scheduler._store.ClaimDueAsync(scheduler.ClaimRequestFor(room)));
                    Volatile.Write(ref scheduler._dispatchError, null);
                    foreach (ClaimedRun run in batch.Runs)
                    {
                        var handle = new RunHandle(run);
                        scheduler._activeRuns[run.RunId] = handle;
                        Interlocked.Increment(ref _inFlight);
                        if (!_queue.Writer.TryWrite(handle))
                        {
                            // Stop completed the queue while this claim was being made: the run does not start.
                            Interlocked.Decrement(ref _inFlight);
                            handle.Dispose();
                            (unqueued ??= []).Add(run);
                        }
                    }
                }

                foreach (ClaimedRun run in unqueued ?? [])
                {
                    scheduler.RecordAsync(new RunCompletion { Run = run, Outcome = RunOutcome.Skipped, StartedAt = now, FinishedAt = now }).GetAwaiter().GetResult();
                }

                foreach (SkippedOccurrence skipped in batch.Skipped)
                {
                    scheduler.OnSkipped(skipped, now);
                }
            }
            finally
            {
                _claiming = false;

                // Whoever saw the claim in progress (WhenIdleAsync) looks again.
                scheduler.SignalChange(wakeDispatcher: false);
            }

            if (batch.Runs.Count > 0 || batch.Skipped.Count > 0)
            {
                // More may be due; claim again before sleeping.
                return;
            }

            if (batch.NextDueAt is { } storeDue && storeDue <= batch.Now)
            {
                // Due, yet nothing could be claimed: a store that disagrees with itself. Do not spin on it.
                WaitUntil(LongTime.Add(now, TimeSpan.FromMilliseconds(10)));
                return;
            }

            // The store's times are by the store's clock: sleep as long as it says, by this node's clock.
            DateTimeOffset? next = batch.NextDueAt is { } nextDue ? LongTime.Add(scheduler._time.GetUtcNow(), nextDue - batch.Now) : null;

            WaitUntil(next is { } at && at < _nextMaintenance ? at : _nextMaintenance);
        }

        /// <summary>Sleeps until <paramref name="due"/> (or forever) unless woken; on the system clock, to within a few microseconds.</summary>
        private void WaitUntil(DateTimeOffset? due)
        {
            Volatile.Write(ref _plannedWake, due?.UtcTicks ?? long.MaxValue);
            try
            {
                WaitUntilCore(due);
            }
            finally
            {
                Volatile.Write(ref _plannedWake, long.MaxValue);
            }
        }

        private void WaitUntilCore(DateTimeOffset? due)
        {
            if (due is null)
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _wake.Wait();
                return;
            }

            TimeProvider time = _scheduler._time;
            if (_systemClock)
            {
                // On the real clock a thread waiting on a handle wakes within a fraction of a millisecond of its (whole
                // millisecond) timeout; .NET timers only within a few. Wait the whole milliseconds, then yield (not spin:
                // spinning starved the workers under load, measured in bench/) through the rest.
                for (TimeSpan remaining = due.Value - time.GetUtcNow(); remaining > TimeSpan.Zero; remaining = due.Value - time.GetUtcNow())
                {
                    if (remaining >= TimeSpan.FromMilliseconds(1))
                    {
                        if (_wake.Wait((int)Math.Min(remaining.TotalMilliseconds, int.MaxValue)))
                        {
                            return;
                        }
                    }
                    else if (_wake.IsSet)
                    {
                        return;
                    }
                    else
                    {
                        Thread.Yield();
                    }
                }

                return;
            }

            // Any other provider: one timer of that provider. Another thread may move the clock while the timer is armed
            // (FakeTimeProvider.Advance): arm it again until the clock stood still across arming, so that the timer is
            // relative to the time it was computed from.
            while (true)
            {
                DateTimeOffset now = time.GetUtcNow();
                if (now >= due.Value)
                {
                    return;
                }

                // Timers count whole milliseconds (FakeTimeProvider truncates): round up, never early. A wait longer than a
                // timer takes wakes early and waits again.
                _timer.Change(LongTime.ForTimer(due.Value - now), Timeout.InfiniteTimeSpan);
                if (time.GetUtcNow() == now)
                {
                    break;
                }
            }

            _wake.Wait();
        }

        private async Task WorkAsync()
        {
            ChannelReader<RunHandle> reader = _queue.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out RunHandle? handle))
                {
                    try
                    {
                        await _scheduler.ExecuteAsync(handle, this).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // A store that cannot record one outcome must not take a worker down with it.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        Log.RunNotRecorded(_scheduler._logger, handle.Run.Job.Name, handle.Run.Job.Id, exception);
                    }
                    finally
                    {
                        if (Interlocked.Decrement(ref _inFlight) <= _lowWater && _waitingForRoom)
                        {
                            _wake.Set();
                        }

                        _scheduler.SignalChange(wakeDispatcher: false);
                    }
                }
            }
        }
    }
}
