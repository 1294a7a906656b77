using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler;

/// <summary>How a <see cref="Scheduler"/> is built: its clock, zone, store, worker limit, shutdown and diagnostics.</summary>
/// <remarks>The scheduler validates the options once, when it is built, and lists every problem in one exception.</remarks>
public sealed class SchedulerOptions
{
    /// <summary>The most workers a scheduler may have: <see cref="MaxWorkers"/> is at most this.</summary>
    /// <remarks>
    /// Ten thousand job bodies running at once in one process is already far past what a real deployment runs: a body that
    /// blocks holds a thread-pool thread, which the pool adds only slowly beyond the processor count, and every running body
    /// holds a lease, renewed and completed through the store. The scheduler starts one worker per unit of
    /// <see cref="MaxWorkers"/> when it starts, so a larger value (such as <see cref="int.MaxValue"/>, a typo) would exhaust
    /// memory, or starve the dispatcher of threads, instead of running more jobs. Run more nodes on a shared store to run more.
    /// </remarks>
    public const int MaxWorkersLimit = 10_000;

    /// <summary>Gets or sets how many job bodies may run at once.</summary>
    /// <value>The default is 4; it must be from 1 to <see cref="MaxWorkersLimit"/> (10,000).</value>
    public int MaxWorkers { get; set; } = 4;

    /// <summary>Gets or sets the clock for every time read and every wait; use <c>FakeTimeProvider</c> in tests.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the zone for cron triggers without a zone of their own.</summary>
    /// <value>The default is <see langword="null"/>: the time provider's <see cref="TimeProvider.LocalTimeZone"/>.</value>
    public TimeZoneInfo? TimeZone { get; set; }

    /// <summary>Gets or sets where jobs are kept.</summary>
    /// <value>The default is <see langword="null"/>: a new <see cref="InMemoryJobStore"/>.</value>
    public IJobStore? Store { get; set; }

    /// <summary>Gets or sets how long <c>Stop</c> waits for running jobs before it cancels their tokens.</summary>
    /// <value>The default is 30 seconds.</value>
    /// <remarks>
    /// It also bounds the give-back of the runs claimed but not started, except that the give-back, one short store call, gets at
    /// least two seconds however short this is: with zero, running jobs are stopped at once and the unstarted runs still go back to
    /// the store, to run at the next start.
    /// </remarks>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the shortest <see cref="LeaseDuration"/> a scheduler accepts: one second.</summary>
    /// <remarks>
    /// The heartbeat renews a lease every third of it, and a run is stopped as lost when no renewal has reached the store by
    /// its end less a tenth: a renewal has about half the lease to arrive once it is due. Leases of a few tens of milliseconds
    /// are kept on a quiet machine but lost to one garbage collection, a thread-pool stall or a slow disk write on a busy one,
    /// and a lease of a millisecond ends before the first renewal is sent, so every run is recorded as interrupted while its
    /// node is alive. One second leaves the renewal half a second, more than such pauses take, and fails over in about 1.3
    /// seconds, faster than any cluster needs.
    /// </remarks>
    public static TimeSpan MinimumLeaseDuration { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a claimed run is held before another node may take it over; renewed while it runs.</summary>
    /// <value>The default is 5 minutes, renewed every 100 seconds; it must be at least <see cref="MinimumLeaseDuration"/> (1 second).</value>
    /// <remarks>
    /// <para>
    /// The scheduler renews its leases, and looks for runs whose node vanished, every third of the lease, so one late
    /// renewal loses nothing. The lease is the failover time: when a node dies, its runs are recovered by another node within
    /// one lease and one renewal interval, and their jobs run again.
    /// </para>
    /// <para>
    /// The default suits a store only one process uses (<see cref="InMemoryJobStore"/>, SQLite), where no other node takes
    /// over: a shorter lease there only means that a stall longer than the lease makes the scheduler recover, and run again,
    /// its own running runs. Where several nodes share a store, a short lease makes failover fast: <c>schedctl</c> and the
    /// generic host give a scheduler on the PostgreSQL store a lease of 3 seconds (renewed every second, failover in about
    /// 4 seconds) unless one is set; a library user who builds a <see cref="Scheduler"/> on that store sets this property.
    /// </para>
    /// <para>
    /// A run is stopped as lost only when its lease, as last renewed, is about to end by this scheduler's clock: at its end
    /// less a tenth of the lease (the margin for the clocks' rates and for the stop to reach the run), counted from this
    /// scheduler's time before it sent the renewal, so never later than the store's end. A renewal that is slow to answer
    /// stops nothing before then, and when it answers, its lease applies.
    /// </para>
    /// <para>
    /// The trade-off: a node that cannot reach the store, or is paused (a debugger, a stopped process, a long garbage
    /// collection, a starved thread pool), for longer than its lease loses its runs: it stops them and records nothing for
    /// them (the store refuses their completion as fenced) while another node runs them again. That is correct, not a bug:
    /// a run is never recorded twice. Lengthen the lease where pauses of seconds are normal or where one job body must not be
    /// started twice, and accept a failover as slow as the lease; a lease of minutes costs nothing but failover time.
    /// </para>
    /// </remarks>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets this scheduler's name in a cluster and in run history.</summary>
    /// <value>The default is <see langword="null"/>: the machine name and process id.</value>
    public string? NodeName { get; set; }

    /// <summary>Gets or sets the logger factory.</summary>
    /// <value>The default is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets the meter factory that creates the <c>Codomyrmex.Scheduler</c> meter (from DI when there is one).</summary>
    /// <value>The default is <see langword="null"/>: the scheduler creates its own meter.</value>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>Lists what is wrong with these options, naming each bad value.</summary>
    /// <returns>The problems; empty if the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxWorkers < 1)
        {
            errors.Add($"MaxWorkers is {MaxWorkers}; it must be at least 1.");
        }
        else if (MaxWorkers > MaxWorkersLimit)
        {
            errors.Add($"MaxWorkers is {MaxWorkers}; it must be at most {MaxWorkersLimit}.");
        }

        if (TimeProvider is null)
        {
            errors.Add("TimeProvider is null; use TimeProvider.System or a FakeTimeProvider.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            errors.Add($"ShutdownTimeout is {ShutdownTimeout}; it must not be negative.");
        }

        if (LeaseDuration < MinimumLeaseDuration)
        {
            errors.Add($"LeaseDuration is {LeaseDuration}; it must be at least {MinimumLeaseDuration}, the shortest lease the heartbeat keeps.");
        }

        if (NodeName is { Length: 0 })
        {
            errors.Add("NodeName is empty; leave it null for the default or give it a name.");
        }

        return errors;
    }
}
