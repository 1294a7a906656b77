using System.Threading.Channels;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>
    /// One started life of the scheduler: the dispatcher loop that owns the timing and the workers that run jobs.
    /// <c>Stop</c> ends it; <c>Start</c> makes a new one.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The loop is asynchronous: it awaits every store call and holds no lock across one, so <c>Cancel</c>, <c>RunNow</c>
    /// and <c>Schedule</c> never wait for a claim in flight, and a slow store blocks no thread.
    /// </para>
    /// <para>
    /// Waits: on <see cref="TimeProvider.System"/> a dedicated thread waits on a handle (it wakes within a fraction of a
    /// millisecond, where .NET timers wake within a few) and completes the loop's wait on itself, so with a store that
    /// completes synchronously (the in-memory one) the loop runs on that thread with no hop at all; that thread never calls
    /// the store while a store call is pending. On any other provider a timer of that provider completes the wait.
    /// </para>
    /// </remarks>
    private sealed class Dispatcher : IDisposable
    {
        /// <summary>The most runs one claim takes from the in-memory store (the loop claims again at once while there is room).</summary>
        private const int InMemoryClaimSlice = 64;

        private readonly Scheduler _scheduler;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
        private readonly Channel<RunHandle> _queue = Channel.CreateUnbounded<RunHandle>(new UnboundedChannelOptions { SingleWriter = true });
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<RunHandle> _claimed = [];
        private readonly ITimer? _timer;
        private readonly bool _systemClock;
        private readonly bool _timedDepth;
        private readonly int _claimSlice;
        private readonly Task[] _workers;

        /// <summary>How many runs may be in flight (queued, running or being recorded): set by the loop alone.</summary>
        private int _capacity;

        /// <summary>The in-flight count at or below which a worker wakes a loop that waits for room: half the capacity.</summary>
        private int _lowWater;

        /// <summary>Runs the loop has queued, ever (the loop alone writes it): with the in-flight count, how many have been recorded.</summary>
        private long _queuedTotal;

        /// <summary>The start of the stretch the start rate is being measured over (a timestamp of the scheduler's clock), and how many runs had been recorded then.</summary>
        private long _rateSince;
        private long _recordedAtRateSince;

        /// <summary>On the system clock: set when the loop asks the waiter thread for a wait (<see cref="_waitDue"/>, <see cref="_waitDone"/>).</summary>
        private readonly ManualResetEventSlim _waitRequested = new(false, spinCount: 0);
        private DateTimeOffset? _waitDue;
        private TaskCompletionSource? _waitDone;

        /// <summary>On any other clock: the wait in progress, completed by <see cref="Wake"/> or by the timer.</summary>
        private TaskCompletionSource? _pending;
        private volatile bool _stopping;

        // Bounds the give-backs of a stop (set before _stopping, which publishes it): the shutdown wait's token.
        private CancellationToken _shutdown;
        /// <summary>1 while the loop waits for room in the queue; the first worker to make room takes it to 0 and wakes the loop (one wake, not one per worker).</summary>
        private int _waitingForRoom;
        private volatile bool _claiming;
        private int _maintaining;
        private int _inFlight;
        private long _nextMaintenance;

        /// <summary>The store's time (UTC ticks) the wait in progress ends at; <see cref="long.MaxValue"/> when not waiting for a due job.</summary>
        private long _plannedWake = long.MaxValue;
        private Task _maintenance = Task.CompletedTask;

        public Dispatcher(Scheduler scheduler)
        {
            _scheduler = scheduler;
            _systemClock = ReferenceEquals(scheduler._time, TimeProvider.System);
            int workers = scheduler._options.MaxWorkers;

            // Claimed runs wait in a queue so that workers never wait for the dispatcher, and the dispatcher, once the
            // queue is full, is woken only when it has drained to half: one wake per many runs, not one per run. A run
            // that waited in the queue past its grace time still follows the Skip misfire policy when it starts. With the
            // in-memory store the queue deepens with the rate the workers start runs (ClaimDepth), and each claim takes at
            // most a slice, so the store's lock is never held long; a durable store keeps the base depth and whole-room claims.
            _timedDepth = scheduler._store is InMemoryJobStore;
            _claimSlice = _timedDepth ? InMemoryClaimSlice : int.MaxValue;
            _capacity = ClaimDepth.Capacity(workers, ClaimDepth.BaseAhead);
            _lowWater = _capacity / 2;
            _rateSince = scheduler._time.GetTimestamp();
            _workers = new Task[workers];
            for (int i = 0; i < workers; i++)
            {
                _workers[i] = Task.Run(WorkAsync);
            }

            Volatile.Write(ref _nextMaintenance, LongTime.Add(scheduler._time.GetUtcNow(), PurgeInterval).UtcTicks);
            if (_systemClock)
            {
                // The waiter thread starts the loop itself, so that the loop's first cycles run on it, not on Start's caller.
                new Thread(WaiterLoop) { IsBackground = true, Name = "Codomyrmex.Scheduler dispatcher" }.Start();
            }
            else
            {
                _timer = scheduler._time.CreateTimer(static state => ((Dispatcher)state!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _ = Task.Run(LoopAsync);
            }
        }

        public bool IsStopping => _stopping;

        /// <summary>Gets a value indicating whether a claim or the maintenance is in progress, or claimed runs are queued or running.</summary>
        public bool IsBusy => _claiming || Volatile.Read(ref _maintaining) != 0 || Volatile.Read(ref _inFlight) > 0;

        /// <summary>Gets a value indicating whether a claim or the maintenance is in progress.</summary>
        public bool IsClaimingOrMaintaining => _claiming || Volatile.Read(ref _maintaining) != 0;

        /// <summary>Gets a value indicating whether the maintenance is due at <paramref name="now"/> and has not started yet.</summary>
        public bool IsMaintenanceDue(DateTimeOffset now) => now.UtcTicks >= Volatile.Read(ref _nextMaintenance);

        /// <summary>
        /// Whether a job due at <paramref name="due"/> (the store's time) must wake the dispatcher: it is earlier than the wait
        /// in progress, or the dispatcher is not waiting for a due job (it may be about to sleep on what it read before the job came).
        /// </summary>
        public bool WakesFor(DateTimeOffset due) => due.UtcTicks < Volatile.Read(ref _plannedWake);

        /// <summary>Ends the loop's current wait, or makes its next one return at once.</summary>
        public void Wake()
        {
            _wake.Set();
            if (!_systemClock)
            {
                // After the Set (a full fence): a loop that published its wait after checking the event is seen here.
                Volatile.Read(ref _pending)?.TrySetResult();
            }
        }

        /// <summary>Stops claiming; completes once the loop has ended and the maintenance in progress (if any) with it.</summary>
        /// <param name="shutdown">Ends the give-back of the runs still queued (see <see cref="GiveBackAsync"/>): the shutdown wait's token.</param>
        public async Task StopAsync(CancellationToken shutdown)
        {
            _shutdown = shutdown;
            _stopping = true;

            // Claimed runs no worker has started never start now, even one whose worker looked at _stopping just before.
            foreach (RunHandle run in _scheduler._activeRuns.Values)
            {
                if (!run.Run.IsManual)
                {
                    run.StopIfQueued();
                }
            }

            _queue.Writer.TryComplete();
            Wake();

            // The runs still queued (no worker took them) go back to the store in one batch: they did not fire.
            List<RunHandle>? unstarted = null;
            while (_queue.Reader.TryRead(out RunHandle? handle))
            {
                handle.StopIfQueued();
                (unstarted ??= []).Add(handle);
            }

            if (unstarted is not null)
            {
                await _scheduler.GiveBackAsync(unstarted, _scheduler._time.GetUtcNow(), shutdown).ConfigureAwait(false);
                Interlocked.Add(ref _inFlight, -unstarted.Count);
                _scheduler.SignalChange(wakeDispatcher: false);
            }

            await _stopped.Task.ConfigureAwait(false);
            await Volatile.Read(ref _maintenance).ConfigureAwait(false);
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
            _timer?.Dispose();
        }

        private async Task LoopAsync()
        {
            try
            {
                while (!_stopping)
                {
                    try
                    {
                        await DispatchOnceAsync().ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // A failing store must not kill the dispatcher: it logs and tries again shortly.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        Volatile.Write(ref _scheduler._dispatchError, exception);
                        Log.DispatcherFailed(_scheduler._logger, exception);
                        await WaitAsync(LongTime.Add(_scheduler._time.GetUtcNow(), TimeSpan.FromSeconds(1))).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                if (_systemClock)
                {
                    // Let the waiter thread go: a request without a completion means the loop has ended.
                    _waitDone = null;
                    _waitRequested.Set();
                }

                _stopped.TrySetResult();
            }
        }

        private async Task DispatchOnceAsync()
        {
            _wake.Reset();
            Scheduler scheduler = _scheduler;
            DateTimeOffset now = scheduler._time.GetUtcNow();
            if (IsMaintenanceDue(now))
            {
                StartMaintenance(now);
            }

            if (_timedDepth)
            {
                AdjustDepth();
            }

            int room = _capacity - Volatile.Read(ref _inFlight);
            if (room <= 0)
            {
                // Every worker is busy and the queue is full: wait for a worker to take a run, or for the next maintenance.
                // (The heartbeat keeps the held runs' leases alive on its own timer meanwhile.)
                Interlocked.Exchange(ref _waitingForRoom, 1);
                if (_capacity - Volatile.Read(ref _inFlight) <= 0)
                {
                    await WaitAsync(new DateTimeOffset(Volatile.Read(ref _nextMaintenance), TimeSpan.Zero)).ConfigureAwait(false);
                }

                Volatile.Write(ref _waitingForRoom, 0);
                return;
            }

            ClaimBatch batch;
            _claiming = true;
            try
            {
                // Read before the claim: a Cancel that comes while the claim is in flight moves it (see RegisterClaimedAsync).
                long cancels = Interlocked.Read(ref scheduler._cancelEpoch);
                batch = await scheduler._store.ClaimDueAsync(scheduler.ClaimRequestFor(Math.Min(room, _claimSlice))).ConfigureAwait(false);
                Volatile.Write(ref scheduler._dispatchError, null);
                await RegisterClaimedAsync(batch.Runs, cancels, now).ConfigureAwait(false);
                foreach (SkippedOccurrence skipped in batch.Skipped)
                {
                    scheduler.OnSkipped(skipped, now, batch.Runs);
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
                await WaitAsync(LongTime.Add(scheduler._time.GetUtcNow(), TimeSpan.FromMilliseconds(10))).ConfigureAwait(false);
                return;
            }

            // The store's times are by the store's clock, which is the clock of record: sleep as long as the store says, by
            // this node's clock, so a node whose clock is minutes off neither spins nor claims early or late. A store on this
            // node's own clock (the in-memory default) gives the instant itself, which keeps the wake precise.
            DateTimeOffset? next = batch.NextDueAt is not { } nextDue ? null
                : ReferenceEquals(scheduler._store.TimeProvider, scheduler._time) ? nextDue
                : LongTime.Add(scheduler._time.GetUtcNow(), nextDue - batch.Now);
            DateTimeOffset maintenance = new(Volatile.Read(ref _nextMaintenance), TimeSpan.Zero);
            // Until this is written any new job wakes the loop (it sets the wake event, so the wait below returns at once); after
            // it, only a job due before what the claim saw. The loop wakes at or before NextDueAt, so that bound is safe.
            Volatile.Write(ref _plannedWake, batch.NextDueAt?.UtcTicks ?? long.MaxValue);
            try
            {
                await WaitAsync(next is { } at && at < maintenance ? at : maintenance).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _plannedWake, long.MaxValue);
            }
        }

        /// <summary>
        /// Sets the in-memory queue's depth to what the workers start in <see cref="ClaimDepth.Horizon"/> at the rate they recorded
        /// runs since the last change (once that stretch is long enough to measure). Only the loop calls it.
        /// </summary>
        private void AdjustDepth()
        {
            TimeProvider time = _scheduler._time;
            long now = time.GetTimestamp();
            long recorded = _queuedTotal - Volatile.Read(ref _inFlight);
            if (ClaimDepth.Ahead(recorded - _recordedAtRateSince, now - _rateSince, time.TimestampFrequency) is not { } ahead)
            {
                return;
            }

            _capacity = ClaimDepth.Capacity(_workers.Length, ahead);
            Volatile.Write(ref _lowWater, _capacity / 2);
            _rateSince = now;
            _recordedAtRateSince = recorded;
        }

        /// <summary>
        /// Makes claimed runs known to this process (so that Cancel finds them), then hands them to the workers. No lock
        /// orders this against <c>Cancel</c>: a Cancel bumps the cancel epoch after the store cancelled the job and before
        /// it looks for the job's runs here, so a run registered too late for that look was claimed while the epoch moved,
        /// and its job is read again here before the run can start.
        /// </summary>
        private async Task RegisterClaimedAsync(IReadOnlyList<ClaimedRun> runs, long cancels, DateTimeOffset now)
        {
            if (runs.Count == 0)
            {
                return;
            }

            Scheduler scheduler = _scheduler;
            List<RunHandle> claimed = _claimed;
            foreach (ClaimedRun run in runs)
            {
                claimed.Add(new RunHandle(run, now));
            }

            scheduler._activeRuns.AddRange(claimed);
            Interlocked.Add(ref _inFlight, claimed.Count);
            _queuedTotal += claimed.Count;

            scheduler.ArmHeartbeat();
            try
            {
                if (Interlocked.Read(ref scheduler._cancelEpoch) != cancels)
                {
                    try
                    {
                        foreach (RunHandle handle in claimed)
                        {
                            if ((await scheduler._store.GetAsync(handle.JobId).ConfigureAwait(false))?.Status == JobStatus.Cancelled)
                            {
                                handle.CancelJob();
                            }
                        }
                    }
                    catch
                    {
                        // Whether their jobs were cancelled is unknown, so the runs do not start: this node lets them go (no
                        // heartbeat renews them), and the store recovers them once their leases lapse.
                        foreach (RunHandle handle in claimed)
                        {
                            scheduler._activeRuns.Remove(handle);
                            Interlocked.Decrement(ref _inFlight);
                            handle.Dispose();
                        }

                        scheduler.SignalChange(wakeDispatcher: false);
                        throw;
                    }
                }

                // Every run counts as starting before the first is queued (one interlocked add per claim, not one per run), so a
                // worker's decrement never comes before its run's increment.
                foreach (RunHandle handle in claimed)
                {
                    handle.MarkStarting();
                }

                Interlocked.Add(ref scheduler._startingRuns, claimed.Count);
                List<RunHandle>? unqueued = null;
                foreach (RunHandle handle in claimed)
                {
                    if (!_queue.Writer.TryWrite(handle))
                    {
                        // Stop completed the queue while this claim was being made: the run does not start.
                        Interlocked.Decrement(ref _inFlight);
                        (unqueued ??= []).Add(handle);
                    }
                }

                if (unqueued is not null)
                {
                    foreach (RunHandle handle in unqueued)
                    {
                        handle.StopIfQueued();
                    }

                    // They did not fire: back to the store, in one batch.
                    await scheduler.GiveBackAsync(unqueued, now, _shutdown).ConfigureAwait(false);
                }
            }
            finally
            {
                claimed.Clear();
            }
        }

        /// <summary>
        /// Starts the maintenance that is due (retention) on its own, unless the last one is still going: it never holds up a
        /// claim. Only the loop calls it. (The heartbeat has a timer of its own: see <see cref="ArmHeartbeat"/>.)
        /// </summary>
        private void StartMaintenance(DateTimeOffset now)
        {
            Volatile.Write(ref _nextMaintenance, LongTime.Add(now, PurgeInterval).UtcTicks);
            if (Interlocked.CompareExchange(ref _maintaining, 1, 0) != 0)
            {
                return;
            }

            Volatile.Write(ref _maintenance, Task.Run(async () =>
            {
                try
                {
                    await _scheduler.MaintainAsync().ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A store that fails now is asked again at the next maintenance.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    Log.MaintenanceFailed(_scheduler._logger, exception);
                }
                finally
                {
                    Volatile.Write(ref _maintaining, 0);
                    _scheduler.SignalChange(wakeDispatcher: false);
                }
            }));
        }

        /// <summary>Completes at <paramref name="due"/> (never, if null) or when woken, whichever comes first.</summary>
        private Task WaitAsync(DateTimeOffset? due)
        {
            if (_wake.IsSet || _stopping)
            {
                return Task.CompletedTask;
            }

            TimeProvider time = _scheduler._time;
            if (_systemClock)
            {
                if (due <= time.GetUtcNow())
                {
                    return Task.CompletedTask;
                }

                // Without RunContinuationsAsynchronously: the waiter thread completes it, and the loop goes on there.
                var done = new TaskCompletionSource();
                _waitDue = due;
                _waitDone = done;
                _waitRequested.Set();
                return done.Task;
            }

            var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _pending, pending);
            if (_wake.IsSet)
            {
                return Task.CompletedTask;
            }

            if (due is null)
            {
                _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return pending.Task;
            }

            // Another thread may move the clock while the timer is armed (FakeTimeProvider.Advance): arm it again until the
            // clock stood still across arming, so that the timer is relative to the time it was computed from.
            while (true)
            {
                DateTimeOffset now = time.GetUtcNow();
                if (now >= due.Value)
                {
                    return Task.CompletedTask;
                }

                // Timers count whole milliseconds (FakeTimeProvider truncates): round up, never early. A wait longer than a
                // timer takes wakes early and waits again.
                _timer!.Change(LongTime.ForTimer(due.Value - now), Timeout.InfiniteTimeSpan);
                if (time.GetUtcNow() == now)
                {
                    return pending.Task;
                }
            }
        }

        /// <summary>The system clock's waiter: runs the loop's first cycle, then serves its waits one at a time.</summary>
        private void WaiterLoop()
        {
            _ = LoopAsync();
            while (true)
            {
                _waitRequested.Wait();
                _waitRequested.Reset();
                TaskCompletionSource? done = _waitDone;
                if (done is null)
                {
                    return;
                }

                _waitDone = null;
                WaitUntil(_waitDue);

                // Runs the loop's next cycle here, inline; it posts its next wait before this returns.
                done.TrySetResult();
            }
        }

        /// <summary>Sleeps until <paramref name="due"/> (or forever) unless woken, to within a few microseconds.</summary>
        private void WaitUntil(DateTimeOffset? due)
        {
            if (due is null)
            {
                _wake.Wait();
                return;
            }

            // On the real clock a thread waiting on a handle wakes within a fraction of a millisecond of its (whole
            // millisecond) timeout; .NET timers only within a few. Wait the whole milliseconds, then yield (not spin:
            // spinning starved the workers under load, measured in bench/) through the rest.
            TimeProvider time = _scheduler._time;
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
        }

        /// <summary>
        /// A worker: runs one job at a time. Once a job's code has returned, the worker takes the next run while the outcome is
        /// being recorded (a durable store's write, which group-commits with the other workers' outcomes); the recorded run
        /// leaves the in-flight count only then, so the queue bounds the runs awaiting their record, and the worker ends after
        /// its last record.
        /// </summary>
        private async Task WorkAsync()
        {
            ChannelReader<RunHandle> reader = _queue.Reader;
            var recording = new List<Task>();
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out RunHandle? handle))
                {
                    Task run = RunAsync(handle);
                    if (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, handle.BodyEnded).ConfigureAwait(false);
                        recording.RemoveAll(static t => t.IsCompleted);
                        if (!run.IsCompleted)
                        {
                            recording.Add(run);
                        }
                    }
                }
            }

            await Task.WhenAll(recording).ConfigureAwait(false);
        }

        /// <summary>Runs one queued run through to its record; a record that fails is logged, and the run leaves the in-flight count.</summary>
        private async Task RunAsync(RunHandle handle)
        {
            try
            {
                await _scheduler.ExecuteAsync(handle, this).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A store that cannot record one outcome must not take a worker down with it.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.RunNotRecorded(_scheduler._logger, handle.Run.JobName, handle.Run.JobId, exception);
            }
            finally
            {
                if (Interlocked.Decrement(ref _inFlight) <= Volatile.Read(ref _lowWater) && Volatile.Read(ref _waitingForRoom) != 0
                    && Interlocked.CompareExchange(ref _waitingForRoom, 0, 1) == 1)
                {
                    Wake();
                }

                _scheduler.SignalChange(wakeDispatcher: false);
            }
        }
    }
}
