namespace Codomyrmex.Scheduler;

/// <summary>
/// How many claimed runs the dispatcher keeps ahead of its workers: two runs a worker plus a depth that, with the in-memory
/// store, follows how fast the workers start runs, so that a run waits in the queue (claimed, and shown running in the
/// store) only about <see cref="Horizon"/>.
/// </summary>
/// <remarks>
/// A burst of short runs then wakes the dispatcher once per a few hundred runs (each wake is a switch into the kernel and a
/// claim cycle: see bench/README.md, Dispatch), while slow runs keep the base depth, and several schedulers sharing one store
/// each claim about what their own workers start in that time. Runs already queued are not given back when the rate falls:
/// right after a burst, runs slower than the burst's may wait in the queue (claimed) behind up to <see cref="MaxAhead"/>
/// others until the workers reach them. A durable store keeps the base depth: its claims are transactions, and other nodes
/// may claim what this one leaves.
/// </remarks>
internal static class ClaimDepth
{
    /// <summary>The depth beyond two runs a worker with any store, and the least with the in-memory one.</summary>
    public const int BaseAhead = 64;

    /// <summary>The most the in-memory queue holds beyond two runs a worker, however fast its runs start.</summary>
    public const int MaxAhead = 1024;

    /// <summary>How far ahead the in-memory queue holds runs: what the workers start in this long, at the rate they start them.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromMilliseconds(1.5);

    /// <summary>The shortest stretch the start rate is measured over; a shorter one keeps the depth as it is.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(2);

    /// <summary>The queue's capacity for <paramref name="workers"/> workers and a depth beyond them.</summary>
    public static int Capacity(int workers, int ahead) => (2 * workers) + ahead;

    /// <summary>
    /// The depth beyond two runs a worker for <paramref name="runs"/> runs recorded over <paramref name="elapsed"/> timestamp
    /// ticks of a clock that counts <paramref name="frequency"/> a second: what they would start in <see cref="Horizon"/>, at
    /// least <see cref="BaseAhead"/> and at most <see cref="MaxAhead"/>.
    /// </summary>
    /// <returns>The depth, or <see langword="null"/> if <paramref name="elapsed"/> is shorter than <see cref="Window"/> (measure on).</returns>
    public static int? Ahead(long runs, long elapsed, long frequency)
    {
        if (elapsed < Window.TotalSeconds * frequency || elapsed <= 0)
        {
            return null;
        }

        double perSecond = Math.Max(runs, 0) * (double)frequency / elapsed;
        return (int)Math.Clamp(perSecond * Horizon.TotalSeconds, BaseAhead, MaxAhead);
    }
}
