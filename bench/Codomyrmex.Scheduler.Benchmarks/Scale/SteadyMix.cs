using System.Diagnostics;
using Codomyrmex.Scheduler.Benchmarks.Dispatch;

namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>
/// The steady mix on a store that already holds the largest size: the scheduler is started, and every 100 ms for the whole
/// duration 100 one-shot jobs are scheduled to come due 1 ms apart two seconds later (1,000 fires per second), while 10 far-future
/// jobs are scheduled and 10 pending ones cancelled. Lateness is the start of the job body minus its scheduled time, both on the
/// system clock.
/// </summary>
internal static class SteadyMix
{
    private const string RecordTask = "record";
    private const int PerTick = 100;
    private const int ChurnPerTick = 10;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(CodomyrmexScaleTarget target, TimeSpan duration, MarkdownTable table)
    {
        int ticks = (int)(duration / Tick);
        int expected = ticks * PerTick;
        double[] lateness = new double[expected];
        int fired = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        target.Scheduler.RegisterTask(RecordTask, (JobContext context, CancellationToken _) =>
        {
            double late = (TimeProvider.System.GetUtcNow() - context.ScheduledTime).TotalMilliseconds;
            int slot = Interlocked.Increment(ref fired) - 1;
            if (slot < lateness.Length)
            {
                lateness[slot] = late;
            }

            if (slot == lateness.Length - 1)
            {
                done.TrySetResult();
            }

            return Task.FromResult<object?>(null);
        });

        long managedStart = GC.GetTotalMemory(forceFullCollection: true);
        long workingStart = WorkingSet();
        await target.Scheduler.StartAsync().ConfigureAwait(false);
        var random = new Random(7);
        DateTimeOffset t0 = TimeProvider.System.GetUtcNow() + Lead;
        long began = Stopwatch.GetTimestamp();
        using (var timer = new PeriodicTimer(Tick))
        {
            for (int tick = 0; tick < ticks; tick++)
            {
                for (int k = 0; k < PerTick; k++)
                {
                    int index = (tick * PerTick) + k;
                    await target.Scheduler.ScheduleAsync(RecordTask, new OnceTrigger(t0.AddMilliseconds(index)), name: "fire").ConfigureAwait(false);
                }

                for (int k = 0; k < ChurnPerTick; k++)
                {
                    await target.ScheduleOneAsync().ConfigureAwait(false);
                    await target.RunAsync(ScaleOperation.Cancel, random).ConfigureAwait(false);
                }

                await timer.WaitForNextTickAsync().ConfigureAwait(false);
            }
        }

        TimeSpan producing = Stopwatch.GetElapsedTime(began);
        bool all = await Task.WhenAny(done.Task, Task.Delay(Lead + TimeSpan.FromSeconds(30))).ConfigureAwait(false) == done.Task;
        long workingEnd = WorkingSet();
        await target.Scheduler.StopAsync().ConfigureAwait(false);
        long managedEnd = GC.GetTotalMemory(forceFullCollection: true);

        int count = Math.Min(fired, expected);
        double[] sorted = lateness[..count];
        Array.Sort(sorted);
        double At(double q) => count == 0 ? double.NaN : sorted[Math.Min(count - 1, (int)Math.Ceiling(q * count) - 1)];
        string check = all ? "ok" : $"**{count:N0} of {expected:N0} fired**";
        if (producing > duration + TimeSpan.FromSeconds(1))
        {
            check += $"; scheduling fell behind: {producing.TotalSeconds:0.0} s for {duration.TotalSeconds:0} s";
        }

        table.Row(target.Name, target.Count, duration.TotalSeconds, expected, At(0.5), At(0.99), count == 0 ? double.NaN : sorted[^1],
            managedStart / 1048576.0, managedEnd / 1048576.0, workingStart / 1048576.0, workingEnd / 1048576.0, check);
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
