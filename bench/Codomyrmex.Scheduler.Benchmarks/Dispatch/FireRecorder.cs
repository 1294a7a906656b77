using System.Diagnostics;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// What every library's job body calls: a completion counter that completes a task at the expected count, and, for the
/// lateness scenario, the Stopwatch timestamp at which each job started.
/// </summary>
/// <remarks>
/// Static on purpose: Quartz builds its job instances itself and Hangfire calls a static method by name, so a job body
/// has no other way to reach the run's state. One scenario runs at a time; <see cref="Reset"/> starts each.
/// </remarks>
internal static class FireRecorder
{
    private static int s_count;
    private static int s_target;
    private static long s_first;
    private static long s_last;
    private static long[]? s_started;
    private static TaskCompletionSource s_done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets the number of job bodies that ran since the last <see cref="Reset"/>.</summary>
    public static int Count => Volatile.Read(ref s_count);

    /// <summary>Gets the Stopwatch timestamp of the first completion.</summary>
    public static long First => Volatile.Read(ref s_first);

    /// <summary>Gets the Stopwatch timestamp of the completion that reached the target.</summary>
    public static long Last => Volatile.Read(ref s_last);

    /// <summary>Gets a task that completes when the target count is reached.</summary>
    public static Task Done => s_done.Task;

    /// <summary>Gets the start timestamps recorded by <see cref="Record"/>, indexed by job.</summary>
    public static long[] Started => s_started ?? throw new InvalidOperationException("No timestamps were asked for.");

    public static void Reset(int target, bool timestamps)
    {
        s_started = timestamps ? new long[target] : null;
        s_first = 0;
        s_last = 0;
        s_target = target;
        s_done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref s_count, 0);
    }

    /// <summary>The no-op job: counts one completion.</summary>
    public static void Fire()
    {
        int count = Interlocked.Increment(ref s_count);
        if (count == 1)
        {
            Volatile.Write(ref s_first, Stopwatch.GetTimestamp());
        }

        if (count == s_target)
        {
            Volatile.Write(ref s_last, Stopwatch.GetTimestamp());
            s_done.TrySetResult();
        }
    }

    /// <summary>The lateness job: records when job <paramref name="index"/> started, then counts it.</summary>
    public static void Record(int index)
    {
        Started[index] = Stopwatch.GetTimestamp();
        Fire();
    }
}
