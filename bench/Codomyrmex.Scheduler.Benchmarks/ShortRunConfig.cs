using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Codomyrmex.Scheduler.Benchmarks;

/// <summary>
/// One process, 3 warm-ups and 10 measured iterations of 250 ms per benchmark, so that the whole suite runs in a few
/// minutes on a two-core machine. Every call here takes nanoseconds, so an iteration still holds millions of them.
/// </summary>
public class ShortRunConfig : ManualConfig
{
    // Qualified: inside Codomyrmex.Scheduler.*, a plain `Job` is the scheduler's Job record.
    public ShortRunConfig() =>
        AddJob(BenchmarkDotNet.Jobs.Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Short"));
}
