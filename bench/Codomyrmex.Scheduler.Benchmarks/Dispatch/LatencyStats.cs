using System.Diagnostics;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>Order statistics of a sample of durations given in Stopwatch ticks, reported in milliseconds or microseconds.</summary>
internal readonly record struct LatencyStats(int Count, double Min, double Mean, double P50, double P99, double P999, double Max)
{
    /// <summary>Sorts <paramref name="ticks"/> in place and computes the statistics, in units of <paramref name="unit"/> per Stopwatch second.</summary>
    public static LatencyStats From(long[] ticks, double unit)
    {
        Array.Sort(ticks);
        double scale = unit / Stopwatch.Frequency;
        double At(double q) => ticks[Math.Min(ticks.Length - 1, (int)Math.Ceiling(q * ticks.Length) - 1)] * scale;
        double sum = 0;
        foreach (long t in ticks)
        {
            sum += t;
        }

        return new LatencyStats(ticks.Length, ticks[0] * scale, sum / ticks.Length * scale, At(0.50), At(0.99), At(0.999), ticks[^1] * scale);
    }
}
