using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

/// <summary>
/// The heartbeat: it keeps the leases of the runs this scheduler holds alive, on a timer of its own, whenever the scheduler
/// is started or holds a run (a <see cref="RunNowAsync"/> on a scheduler never started included). It never waits for the
/// dispatcher's loop (which may sleep until a worker has room) nor for retention (which may take many batches).
/// </summary>
public sealed partial class Scheduler
{
    /// <summary>Fires the heartbeat; armed by <see cref="ArmHeartbeat"/>, disarmed by itself once nothing needs it.</summary>
    private readonly ITimer _heartbeatTimer;

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

    /// <summary>How often the node's heartbeat renews its runs and lost runs are looked for: three times per lease, so one late renewal loses nothing.</summary>
    private TimeSpan HeartbeatInterval => _options.LeaseDuration / 3;

    /// <summary>Gets a value indicating whether a heartbeat or a look for lost runs is in progress (for <see cref="WhenIdleAsync"/>).</summary>
    private bool IsBeating => Volatile.Read(ref _beating) != 0 || Volatile.Read(ref _recovering) != 0;

    /// <summary>Starts the heartbeat's timer unless it runs: called by <c>Start</c> and after this node takes a run.</summary>
    private void ArmHeartbeat()
    {
        if (Interlocked.Exchange(ref _heartbeatArmed, 1) == 0)
        {
            ScheduleHeartbeat(_time.GetUtcNow());
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
            // Nothing to keep alive. A run registered after the check above arms the timer itself, or is seen by this look.
            Volatile.Write(ref _heartbeatArmed, 0);
            if (!IsRunning && _activeRuns.IsEmpty)
            {
                return;
            }

            Volatile.Write(ref _heartbeatArmed, 1);
        }

        ScheduleHeartbeat(now);
        if (Interlocked.CompareExchange(ref _beating, 1, 0) != 0)
        {
            // The last heartbeat has not returned (a partitioned store): it beats again when it does. Meanwhile, runs whose
            // lease lapses before the next heartbeat are stopped here, for another node may take them over.
            Volatile.Write(ref _beatAgain, 1);
            FenceLapsingRuns(now);
            return;
        }

        Volatile.Write(ref _beat, Task.Run(BeatAsync));
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
            try
            {
                await HeartbeatAsync(CancellationToken.None).ConfigureAwait(false);
                if (IsRunning)
                {
                    StartRecovery();
                }
            }
#pragma warning disable CA1031 // A store that fails now is asked again at the next heartbeat.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.MaintenanceFailed(_logger, exception);
                FenceLapsingRuns(_time.GetUtcNow());
            }

            Volatile.Write(ref _beating, 0);
            if (Volatile.Read(ref _beatAgain) == 0 || Interlocked.CompareExchange(ref _beating, 1, 0) != 0)
            {
                SignalChange(wakeDispatcher: false);
                return;
            }
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
        try
        {
            await RecoverLostRunsAsync(CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A store that fails now is asked again at the next heartbeat.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.MaintenanceFailed(_logger, exception);
        }

        Volatile.Write(ref _recovering, 0);
        SignalChange(wakeDispatcher: false);
    }

    /// <summary>
    /// Stops the runs whose lease (as this node last renewed it) lapses before the next heartbeat could renew it: the store
    /// could not be reached, and once the lease lapses another node may recover the run and run it again. Such a run is lost
    /// here: its outcome is not written (the store recovers it as interrupted).
    /// </summary>
    private void FenceLapsingRuns(DateTimeOffset now)
    {
        long deadline = LongTime.Add(now, HeartbeatInterval).UtcTicks;
        foreach (RunHandle handle in _activeRuns.Values)
        {
            if (!handle.Lost && handle.LeaseUntil.UtcTicks <= deadline)
            {
                handle.Lose();
            }
        }
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
