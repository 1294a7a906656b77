using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

/// <summary>
/// The heartbeat: it keeps the leases of the runs this scheduler holds alive, on a thread of its own, whenever the scheduler
/// is started or holds a run (a <see cref="RunNowAsync"/> on a scheduler never started included). It never waits for the
/// dispatcher's loop (which may sleep until a worker has room), for retention (which may take many batches), nor for the
/// thread pool.
/// </summary>
/// <remarks>
/// Why a thread, not the thread pool nor a timer alone: on a loaded machine (two cores, a few busy nodes and the commands
/// they start) work queued on the thread pool waited seconds for a thread, and a timer's callback is queued there too, so
/// renewals came later than the lease and live nodes lost their runs to the others. The heartbeat thread sleeps until the
/// next heartbeat is due by the scheduler's <see cref="TimeProvider"/>, woken early by that provider's timer (which is what
/// moves it on a fake clock), and beats on itself: a store whose renewal completes on the caller's thread (the PostgreSQL
/// store does so on a thread of this kind, on a connection of its own) renews without waiting for any other work of the
/// process. The thread ends when nothing needs a heartbeat (it is started again with the next run or start), and within a
/// second once the scheduler is disposed.
/// </remarks>
public sealed partial class Scheduler
{
    /// <summary>Wakes the heartbeat thread when a heartbeat is due (by the scheduler's clock, fake or not); armed by <see cref="ArmHeartbeat"/>.</summary>
    private readonly ITimer _heartbeatTimer;

    /// <summary>The longest the heartbeat thread sleeps before it looks again, by the machine's clock: a timer callback that the thread pool delays does not delay it longer.</summary>
    private static readonly TimeSpan s_heartbeatThreadNap = TimeSpan.FromSeconds(1);

    /// <summary>Released to wake the heartbeat thread: a heartbeat to run, or a look at the time.</summary>
    private readonly SemaphoreSlim _heartbeatWake = new(0, int.MaxValue);

    /// <summary>Bumped when a heartbeat thread is started; a thread whose generation is no longer current ends.</summary>
    private int _heartbeatGeneration;

    /// <summary>Set while the current heartbeat thread runs; cleared by it as it ends.</summary>
    private int _heartbeatThreadAlive;

    /// <summary>Set when <see cref="OnHeartbeatTimer"/> asked the heartbeat thread for a beat; <see cref="_beating"/> is set then too.</summary>
    private int _beatRequested;

    /// <summary>Completed by the heartbeat thread when the beat <see cref="_beat"/> stands for ends.</summary>
    private TaskCompletionSource? _beatDone;

    /// <summary>This node's time (UTC ticks) the next heartbeat is due at.</summary>
    private long _nextHeartbeat = long.MaxValue;
    private int _heartbeatArmed;

    /// <summary>Set while a heartbeat (renewal, then recovery) is in progress.</summary>
    private int _beating;

    /// <summary>Set when a heartbeat came due while the last one was still going: that one beats again when it ends.</summary>
    private int _beatAgain;
    private Task _beat = Task.CompletedTask;

    /// <summary>Set while a look for lost runs (started by a heartbeat, never awaited by it) is in progress.</summary>
    private int _recovering;
    private Task _recovery = Task.CompletedTask;

    /// <summary>
    /// The token of the heartbeat's and the recovery's store calls: cancelled (and a new one put in its place) when a stop's
    /// deadline passes or its caller gives up, and at dispose, so that a store call stuck in flight is told to end.
    /// </summary>
    private CancellationTokenSource _backgroundCalls = new();

    /// <summary>How often the node's heartbeat renews its runs and lost runs are looked for: three times per lease, so one late renewal loses nothing.</summary>
    private TimeSpan HeartbeatInterval => _options.LeaseDuration / 3;

    /// <summary>
    /// How long before the end of a run's lease (as this node last renewed it, by its own clock) the node stops the run when
    /// no renewal has extended it by then: a tenth of the lease, for the two clocks' rates and for the stop to reach the run
    /// before the store may give it to another node.
    /// </summary>
    private TimeSpan FenceMargin => _options.LeaseDuration / 10;

    /// <summary>Wakes the fence when the earliest lease of a held run is about to lapse; made on first use, armed only while a renewal is late or failed.</summary>
    private ITimer? _fenceTimer;

    /// <summary>Guards making and arming <see cref="_fenceTimer"/>.</summary>
    private readonly Lock _fenceLock = new();

    /// <summary>Set when the last heartbeat failed (the store could not be reached); cleared by one that succeeds.</summary>
    private int _renewalFailed;

    /// <summary>Gets a value indicating whether a heartbeat or a look for lost runs is in progress (for <see cref="WhenIdleAsync"/>).</summary>
    private bool IsBeating => Volatile.Read(ref _beating) != 0 || Volatile.Read(ref _recovering) != 0;

    /// <summary>Starts the heartbeat (its timer and its thread) unless it runs: called by <c>Start</c> and after this node takes a run.</summary>
    private void ArmHeartbeat()
    {
        if (Interlocked.Exchange(ref _heartbeatArmed, 1) == 0)
        {
            ScheduleHeartbeat(_time.GetUtcNow());
            StartHeartbeatThread();
        }
    }

    /// <summary>Starts a heartbeat thread; one that runs already ends at its next turn (it belongs to an older generation).</summary>
    private void StartHeartbeatThread()
    {
        int generation = Interlocked.Increment(ref _heartbeatGeneration);
        Interlocked.Exchange(ref _heartbeatThreadAlive, 1);
        var thread = new Thread(() => HeartbeatThread(generation))
        {
            IsBackground = true,
            Name = "Codomyrmex.Scheduler heartbeat",
        };
        thread.Start();
    }

    /// <summary>
    /// The heartbeat thread: sleeps until woken (by the timer, or a beat to run) or until the next heartbeat is due, runs the
    /// beats it is asked for, and ends once its heartbeat is disarmed (or another thread replaced it) or the scheduler is
    /// disposed.
    /// </summary>
    private void HeartbeatThread(int generation)
    {
        while (Volatile.Read(ref _heartbeatGeneration) == generation && Volatile.Read(ref _heartbeatArmed) != 0 && Volatile.Read(ref _disposed) == 0)
        {
            if (Interlocked.Exchange(ref _beatRequested, 0) != 0)
            {
                Beat();
                continue;
            }

            TimeSpan wait = new DateTimeOffset(Volatile.Read(ref _nextHeartbeat), TimeSpan.Zero) - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                // Woken by a beat to run or by the timer, or after a nap: the next turn looks again.
                _heartbeatWake.Wait(wait < s_heartbeatThreadNap ? wait : s_heartbeatThreadNap);
                continue;
            }

            // Due by the scheduler's clock, whether or not the timer's callback has run yet: the same look it takes.
            OnHeartbeatTimer();
        }

        if (Volatile.Read(ref _heartbeatGeneration) == generation)
        {
            Interlocked.Exchange(ref _heartbeatThreadAlive, 0);
        }

        // A beat asked for while this thread was ending runs here (or on the thread pool, if its asker saw the thread end first).
        if (Interlocked.Exchange(ref _beatRequested, 0) != 0)
        {
            Beat();
        }
    }

    /// <summary>Runs a beat asked for by <see cref="OnHeartbeatTimer"/>, on the heartbeat thread, and completes its task.</summary>
    private void Beat()
    {
        // Taken before the beat: once it ends, a new beat may be asked for with a completion of its own, which is not this one's.
        TaskCompletionSource? done = Interlocked.Exchange(ref _beatDone, null);
        try
        {
            BeatAsync().GetAwaiter().GetResult();
        }
        finally
        {
            done?.TrySetResult();
        }
    }

    private void ScheduleHeartbeat(DateTimeOffset now)
    {
        Volatile.Write(ref _nextHeartbeat, LongTime.Add(now, HeartbeatInterval).UtcTicks);
        ChangeHeartbeatTimer(HeartbeatInterval);
    }

    private void ChangeHeartbeatTimer(TimeSpan wait)
    {
        try
        {
            _heartbeatTimer.Change(LongTime.ForTimer(wait), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The scheduler is disposed: nothing beats any more.
        }
    }

    /// <summary>Runs when the heartbeat timer fires or the heartbeat thread wakes: asks the thread for a beat if one is due.</summary>
    private void OnHeartbeatTimer()
    {
        DateTimeOffset now = _time.GetUtcNow();
        long due = Volatile.Read(ref _nextHeartbeat);
        if (now.UtcTicks < due)
        {
            // A wait longer than a timer takes wakes early and waits again.
            ChangeHeartbeatTimer(new DateTimeOffset(due, TimeSpan.Zero) - now);
            return;
        }

        if (!IsRunning && _activeRuns.IsEmpty)
        {
            // Nothing to keep alive. A run registered after the check above arms the timer itself, or is seen by this look. The
            // disarm is a full fence (as the arming is), so the look below cannot be read before the disarm is seen: otherwise a
            // run added in between could find the heartbeat still armed while this look finds it absent, and nothing would renew it.
            Interlocked.Exchange(ref _heartbeatArmed, 0);
            if (!IsRunning && _activeRuns.IsEmpty)
            {
                return;
            }

            // Armed again: the heartbeat thread may have seen it disarmed for that moment and ended, so start one (an older one
            // still running ends at its next turn).
            if (Interlocked.Exchange(ref _heartbeatArmed, 1) == 0)
            {
                StartHeartbeatThread();
            }
        }

        ScheduleHeartbeat(now);
        if (Interlocked.CompareExchange(ref _beating, 1, 0) != 0)
        {
            // The last heartbeat has not returned (a slow or partitioned store): it beats again when it does. Its renewal may
            // still extend every lease, so nothing is stopped now: the fence stops a run only once its lease, as last renewed,
            // is about to lapse with no renewal back by then.
            Volatile.Write(ref _beatAgain, 1);
            ArmFence();
            return;
        }

        // The beat runs on the heartbeat thread; the timer's callback (on the thread pool) only wakes it.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _beatDone, done);
        Volatile.Write(ref _beat, done.Task);
        Interlocked.Exchange(ref _beatRequested, 1);
        _heartbeatWake.Release();
        if (Volatile.Read(ref _heartbeatThreadAlive) == 0 && Interlocked.Exchange(ref _beatRequested, 0) != 0)
        {
            // The thread has ended (the scheduler is being disposed): the beat runs here, so that whoever waits for it is answered.
            _ = Task.Run(Beat);
        }
    }

    /// <summary>Beats, and again while a heartbeat came due during the last one; <see cref="_beating"/> is set on entry.</summary>
    /// <remarks>
    /// The look for lost runs is started here but not awaited: recovering another node's runs takes locks other nodes' writes
    /// hold and may take seconds, and a renewal that waited for it let this node's own leases lapse, so other nodes recovered
    /// its runs in turn, each recovery delaying the next renewal: a cluster that stopped heartbeating as a whole.
    /// </remarks>
    private async Task BeatAsync()
    {
        while (true)
        {
            Volatile.Write(ref _beatAgain, 0);
            CancellationToken stop = Volatile.Read(ref _backgroundCalls).Token;
            try
            {
                await HeartbeatAsync(stop).ConfigureAwait(false);
                Volatile.Write(ref _renewalFailed, 0);
                if (IsRunning)
                {
                    StartRecovery();
                }
            }
#pragma warning disable CA1031 // A store that fails now is asked again at the next heartbeat.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                // Not logged when a stop ended the call at its deadline: the next beat renews, on a token of its own.
                LogUnlessStopped(exception, stop);

                // The next heartbeat may renew the runs before their leases lapse; until then, the fence watches them.
                Volatile.Write(ref _renewalFailed, 1);
                ArmFence();
            }

            Volatile.Write(ref _beating, 0);
            if (Volatile.Read(ref _beatAgain) == 0 || Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _beating, 1, 0) != 0)
            {
                SignalChange(wakeDispatcher: false);
                return;
            }
        }
    }

    /// <summary>
    /// Cancels the heartbeat's and the recovery's store calls in flight, and gives the calls to come a token of their own.
    /// Cancelled asynchronously: a store's cancellation callback must not run (or throw) on the stopping caller's thread.
    /// </summary>
    private void EndBackgroundCalls()
    {
        CancellationTokenSource ended = Interlocked.Exchange(ref _backgroundCalls, new CancellationTokenSource());

        // A store's callback that throws is its own failure, not the stop's: observed here, so it is not reported as unobserved.
        _ = ended.CancelAsync().ContinueWith(static cancel => _ = cancel.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Logs a failed heartbeat or recovery, unless it is the cancel of <see cref="EndBackgroundCalls"/> ending it.</summary>
    private void LogUnlessStopped(Exception exception, CancellationToken stop)
    {
        if (exception is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            Log.MaintenanceFailed(_logger, exception);
        }
    }

    /// <summary>Starts a look for lost runs unless one is in progress (the next heartbeat starts another).</summary>
    private void StartRecovery()
    {
        if (Interlocked.CompareExchange(ref _recovering, 1, 0) == 0)
        {
            Volatile.Write(ref _recovery, Task.Run(RecoverAsync));
        }
    }

    /// <summary>Looks for lost runs; <see cref="_recovering"/> is set on entry and cleared at the end.</summary>
    private async Task RecoverAsync()
    {
        CancellationToken stop = Volatile.Read(ref _backgroundCalls).Token;
        try
        {
            await RecoverLostRunsAsync(stop).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A store that fails now is asked again at the next heartbeat.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // Not logged when a stop ended the call at its deadline: a store's recovery is one transaction, and what it did not
            // recover the next look does. (A cancel that reaches the server after its commit changes nothing there: the driver
            // answers with the commit's outcome.)
            LogUnlessStopped(exception, stop);
        }

        Volatile.Write(ref _recovering, 0);
        SignalChange(wakeDispatcher: false);
    }

    /// <summary>
    /// Stops the runs whose lease is about to lapse, and arms the fence's timer for the earliest lease left while a renewal is
    /// in flight or the last one failed: called when a heartbeat comes due while the last is still going, and when one fails.
    /// </summary>
    private void ArmFence()
    {
        lock (_fenceLock)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            long earliest = FenceLapsedRuns(now);
            if (earliest == long.MaxValue)
            {
                return;
            }

            _fenceTimer ??= _time.CreateTimer(static state => ((Scheduler)state!).OnFenceTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            TimeSpan wait = new DateTimeOffset(earliest, TimeSpan.Zero) - now;
            _fenceTimer.Change(LongTime.ForTimer(wait > TimeSpan.Zero ? wait : TimeSpan.Zero), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Disposes the fence's timer, if it was made; <see cref="ArmFence"/> makes none once the scheduler is disposed.</summary>
    private void DisposeFenceTimer()
    {
        lock (_fenceLock)
        {
            _fenceTimer?.Dispose();
        }
    }

    /// <summary>
    /// Runs when the fence's timer fires: stops the runs whose lease is about to lapse, and waits for the next one while the
    /// renewal is still late (in flight, or failed); once a renewal is back, the next late one arms it again.
    /// </summary>
    private void OnFenceTimer()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            DisposeFenceTimer();
            return;
        }

        if (Volatile.Read(ref _beating) != 0 || Volatile.Read(ref _renewalFailed) != 0)
        {
            ArmFence();
        }
        else
        {
            // The renewal came back: whatever it renewed holds, and what it reported lost it stopped. A lease it could not
            // extend (a run claimed while it was in flight is newer than it) still lapses only after the next heartbeat.
            FenceLapsedRuns(_time.GetUtcNow());
        }
    }

    /// <summary>
    /// Stops every run whose lease (as this node last renewed it, by its own clock) ends within <see cref="FenceMargin"/> of
    /// <paramref name="now"/>: no renewal has extended it in time, and once it lapses the store may give the run to another
    /// node. Such a run is lost here: its outcome is not written (the store recovers it as interrupted).
    /// </summary>
    /// <returns>The earliest time (UTC ticks) at which a run still held reaches that point; <see cref="long.MaxValue"/> if none.</returns>
    /// <remarks>
    /// The lease is counted from this node's time before the renewal (or claim) was sent, and the store counts it from its own
    /// later instant, so this node's end is never later than the store's (the clocks' offset does not matter, only their
    /// rates); the store recovers a run only after its lease ends by the store's clock, and another node claims it only after
    /// that. A renewal in flight is not waited for past that point: if it comes back later, the run stays lost.
    /// </remarks>
    private long FenceLapsedRuns(DateTimeOffset now)
    {
        long margin = FenceMargin.Ticks;
        long earliest = long.MaxValue;
        foreach (RunHandle handle in _activeRuns.Values)
        {
            if (handle.Lost)
            {
                continue;
            }

            long stopAt = handle.LeaseUntil.UtcTicks - margin;
            if (stopAt <= now.UtcTicks)
            {
                handle.Lose();
            }
            else if (stopAt < earliest)
            {
                earliest = stopAt;
            }
        }

        return earliest;
    }

    /// <summary>Tells the store this node is alive and renews the runs it holds; runs the store says are lost are stopped here.</summary>
    /// <remarks>It beats even with no run held: the heartbeat is what lists the node as alive.</remarks>
    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        var held = new List<HeldRun>(_activeRuns.Count);
        var handles = new List<RunHandle>(_activeRuns.Count);
        foreach (RunHandle handle in _activeRuns.Values)
        {
            held.Add(new HeldRun { RunId = handle.Run.RunId, FencingToken = handle.Run.FencingToken });
            handles.Add(handle);
        }

        // This node's time before the store was asked: the store renews from a later instant of its own, so the lease is held
        // at least this long (by this node's clock) whatever the two clocks' offset.
        DateTimeOffset sent = _time.GetUtcNow();
        LeaseRenewal renewal = await _store.RenewAsync(
            new NodeHeartbeat { Node = _identity, LeaseDuration = _options.LeaseDuration, Runs = held }, cancellationToken).ConfigureAwait(false);
        var lost = new HashSet<string>(renewal.Lost, StringComparer.Ordinal);
        DateTimeOffset leaseUntil = LongTime.Add(sent, _options.LeaseDuration);
        foreach (RunHandle handle in handles)
        {
            if (lost.Contains(handle.Run.RunId))
            {
                // Another node may run it now: this one stops it, and records nothing for it (the store would refuse it: fenced).
                handle.Lose();
            }
            else
            {
                handle.Renewed(leaseUntil);
            }
        }
    }
}
