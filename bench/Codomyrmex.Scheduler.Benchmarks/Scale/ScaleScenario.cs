using System.Diagnostics;
using System.Globalization;
using Codomyrmex.Scheduler.Benchmarks.Dispatch;

namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>
/// <c>--scenario scale [--sizes 10000,100000,1000000] [--stores memory,sqlite,postgres,quartz,quartz-sqlite] [--quick]
/// [--postgres CONNECTION] [--schedctl PATH] [--mix-seconds 60] [--cap-minutes 5]</c>: each store grown in place from one size to
/// the next, and at each size the cost of each operation (a median of many calls), with the ratio largest/smallest size per
/// operation; then, at the largest size, a steady mix of fires, schedules and cancels (see <see cref="SteadyMix"/>).
/// </summary>
/// <remarks>
/// PostgreSQL runs when <c>--postgres</c> or <c>CODOMYRMEX_POSTGRES</c> gives a connection string. A store is filled with batches
/// of 1,000 where it has a batch call, else one call at a time; a size whose fill would take longer than <c>--cap-minutes</c> (at
/// the rate the previous fill ran) is skipped, with a note. <c>--quick</c>: sizes 10,000 and 100,000, 50 calls per operation,
/// a 10-second mix.
/// </remarks>
internal static class ScaleScenario
{
    private const int DeclaredJobs = 100;

    /// <summary>How long one <c>schedctl jobs list</c> may take before it is killed and left out at the larger sizes.</summary>
    private static readonly TimeSpan SchedctlTimeout = TimeSpan.FromMinutes(2);
    private const int Batch = 1000;

    /// <summary>The batch the schedule figure measures: small, so that measuring adds few jobs at the smallest size.</summary>
    private const int MeasuredBatch = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        bool quick = args.Contains("--quick");
        int[] sizes = Option(args, "--sizes")?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            ?? (quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]);
        string? postgres = Option(args, "--postgres") ?? Environment.GetEnvironmentVariable("CODOMYRMEX_POSTGRES");
        string[] stores = Option(args, "--stores")?.Split(',')
            ?? ["memory", "quartz", "sqlite", "quartz-sqlite", .. postgres is null ? Array.Empty<string>() : ["postgres"]];
        int calls = quick ? 50 : 200;
        TimeSpan mix = TimeSpan.FromSeconds(double.Parse(Option(args, "--mix-seconds") ?? (quick ? "10" : "60"), CultureInfo.InvariantCulture));
        TimeSpan cap = TimeSpan.FromMinutes(double.Parse(Option(args, "--cap-minutes") ?? "5", CultureInfo.InvariantCulture));
        string? schedctl = SchedctlRunner.Find(Option(args, "--schedctl"));

        Console.WriteLine($"Started {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} logical cores; sizes {string.Join(", ", sizes)}; " +
            $"stores {string.Join(", ", stores)}; {calls} calls per operation (at most 10 s each); mix {mix.TotalSeconds:0} s; cap {cap.TotalMinutes:0} min; " +
            $"schedctl {schedctl ?? "not built (dotnet build -c Release src/Codomyrmex.Scheduler.Cli)"}; load {Load()}.");
        var results = new ScaleResults(sizes);
        var startups = new List<object[]>();
        var mixes = new List<Func<MarkdownTable, Task>>();
        var total = Stopwatch.StartNew();
        foreach (string store in stores)
        {
            ScaleTarget target = store switch
            {
                "memory" => CodomyrmexScaleTarget.Memory(),
                "sqlite" => CodomyrmexScaleTarget.Sqlite(),
                "postgres" => CodomyrmexScaleTarget.Postgres(postgres ?? throw new ArgumentException("postgres needs --postgres or CODOMYRMEX_POSTGRES.")),
                "quartz" => new QuartzScaleTarget(sqlite: false),
                "quartz-sqlite" => new QuartzScaleTarget(sqlite: true),
                _ => throw new ArgumentException("Unknown store " + store),
            };
            await using (target.ConfigureAwait(false))
            {
                await GrowAsync(target, sizes, calls, cap, schedctl, results, startups).ConfigureAwait(false);
                if (target is CodomyrmexScaleTarget ours && mix > TimeSpan.Zero)
                {
                    var mixTable = new MarkdownTable($"Steady mix at {ours.Count:N0} jobs ({ours.Name}): 1,000 fires/s, 100 schedules/s and 100 cancels/s of pending jobs",
                        "Library", "Jobs", "Seconds", "Fires", "Lateness p50 (ms)", "p99 (ms)", "Max (ms)", "Managed start (MB)", "Managed end (MB)",
                        "Working set start (MB)", "Working set end (MB)", "Check");
                    await SteadyMix.RunAsync(ours, mix, mixTable).ConfigureAwait(false);
                }
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        results.Print();
        var startupTable = new MarkdownTable("Start-up on an existing store: a fresh store instance in the same process (ms, median of the runs)",
            "Library", "Jobs", "Step", "Runs", "Median (ms)");
        startups.ForEach(row => startupTable.Row(row));
        Console.WriteLine();
        Console.WriteLine($"Total time: {total.Elapsed.TotalSeconds:0} s; load {Load()}.");
        return 0;
    }

    private static async Task GrowAsync(ScaleTarget target, int[] sizes, int calls, TimeSpan cap, string? schedctl, ScaleResults results, List<object[]> startups)
    {
        Console.WriteLine($"--- {target.Name} ---");
        await target.DeclareAsync(DeclaredJobs).ConfigureAwait(false);
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        double fillRate = double.NaN;
        bool schedctlGaveUp = false;
        var random = new Random(42);
        foreach (int size in sizes)
        {
            double projected = (size - target.Count) / fillRate;
            if (projected > cap.TotalSeconds)
            {
                results.Note($"{target.Name} stops at {target.Count:N0} jobs: filling to {size:N0} at {fillRate:N0} jobs/s would take {projected / 60:0.0} min (cap {cap.TotalMinutes:0} min).");
                break;
            }

            // Fill: batches where the store has them (the fill is not a figure of the table).
            long filling = Stopwatch.GetTimestamp();
            int before = target.Count;
            while (target.Count < size)
            {
                if (target.HasBatch && size - target.Count >= Batch)
                {
                    await target.ScheduleBatchAsync(Batch).ConfigureAwait(false);
                }
                else
                {
                    await target.ScheduleOneAsync().ConfigureAwait(false);
                }
            }

            double filled = Stopwatch.GetElapsedTime(filling).TotalSeconds;
            fillRate = (target.Count - before) / filled;
            Console.WriteLine($"  filled {target.Name} to {target.Count:N0} ({(target.HasBatch ? "batches of 1,000" : "one call at a time")}, {fillRate:N0} jobs/s); load {Load()}");
            long settling = Stopwatch.GetTimestamp();
            await target.SettleAsync().ConfigureAwait(false);
            Console.WriteLine($"  settled in {Stopwatch.GetElapsedTime(settling).TotalSeconds:0.0} s; load {Load()}");

            if (size == sizes[0])
            {
                await WarmUpAsync(target, random).ConfigureAwait(false);
            }

            // Schedule one call at a time, then in batches, at this size.
            // At least twice the calls and 0.2 s of them (a pause of the GC is then one call among many), at most a tenth of the size.
            var ticks = new List<long>();
            TimeSpan cpu = ProcessorTime();
            long oneByOne = Stopwatch.GetTimestamp();
            while (ticks.Count < Math.Max(10, size / 10) && (ticks.Count < calls * 2 || Stopwatch.GetElapsedTime(oneByOne) < TimeSpan.FromSeconds(0.2)))
            {
                long start = Stopwatch.GetTimestamp();
                await target.ScheduleOneAsync().ConfigureAwait(false);
                ticks.Add(Stopwatch.GetTimestamp() - start);
            }

            results.Add(target.Name, "Schedule, one call at a time", "calls/s", ScaleMeasureKind.Rate, size, ticks.Count / Stopwatch.GetElapsedTime(oneByOne).TotalSeconds);
            results.Add(target.Name, "Schedule, one call (median call)", "µs", ScaleMeasureKind.Cost, size, Median([.. ticks]) * 1_000_000.0 / Stopwatch.Frequency);
            results.Add(target.Name, "Schedule, one call (CPU per call)", "µs", ScaleMeasureKind.Cost, size, (ProcessorTime() - cpu).TotalMicroseconds / ticks.Count);
            if (target.HasBatch)
            {
                (double rate, double cpuPerJob) = await BatchRateAsync(target, scheduler: false).ConfigureAwait(false);
                results.Add(target.Name, $"Schedule, batches of {MeasuredBatch} (store)", "jobs/s", ScaleMeasureKind.Rate, size, rate);
                results.Add(target.Name, $"Schedule, batches of {MeasuredBatch} (store, CPU per job)", "µs", ScaleMeasureKind.Cost, size, cpuPerJob);
            }

            if (target.HasSchedulerBatch)
            {
                (double rate, double cpuPerJob) = await BatchRateAsync(target, scheduler: true).ConfigureAwait(false);
                results.Add(target.Name, $"Schedule, batches of {MeasuredBatch} (ScheduleManyAsync)", "jobs/s", ScaleMeasureKind.Rate, size, rate);
                results.Add(target.Name, $"Schedule, batches of {MeasuredBatch} (ScheduleManyAsync, CPU per job)", "µs", ScaleMeasureKind.Cost, size, cpuPerJob);
            }

            if (target.StoreBytes > 0)
            {
                results.Add(target.Name, "Database bytes per job", "bytes", ScaleMeasureKind.Info, size, target.StoreBytes / (double)target.Count);
            }
            else
            {
                long managed = GC.GetTotalMemory(forceFullCollection: true) - baseline;
                results.Add(target.Name, "Managed bytes per job (after a full GC)", "bytes", ScaleMeasureKind.Info, size, managed / (double)target.Count);
            }

            foreach (ScaleOperation operation in Enum.GetValues<ScaleOperation>())
            {
                if (target.Supports(operation))
                {
                    (double median, double cpuPerCall) = await TimeAsync(target, operation, calls, random).ConfigureAwait(false);
                    results.Add(target.Name, Label(operation), "µs", ScaleMeasureKind.Cost, size, median);
                    results.Add(target.Name, Label(operation) + " (CPU per call)", "µs", ScaleMeasureKind.Cost, size, cpuPerCall);
                }
            }

            if (target is CodomyrmexScaleTarget ours)
            {
                await ours.CompleteClaimedAsync().ConfigureAwait(false);
            }

            if (target.SchedctlStore is { } path && schedctl is not null && !schedctlGaveUp)
            {
                var runs = new List<double>();
                int lines = 0;
                while (runs.Count < 3 && (runs.Count == 0 || runs.Sum() < 10_000))
                {
                    if (await SchedctlRunner.RunAsync(schedctl, path, SchedctlTimeout, "jobs", "list").ConfigureAwait(false) is not { } run)
                    {
                        results.Note($"schedctl jobs list did not exit within {SchedctlTimeout.TotalSeconds:0} s at {size:N0} jobs: killed, and not run at larger sizes.");
                        schedctlGaveUp = true;
                        break;
                    }

                    runs.Add(run.Took.TotalMilliseconds);
                    lines = run.Lines;
                }

                if (runs.Count > 0 && !schedctlGaveUp)
                {
                    results.Add(target.Name, "schedctl jobs list (fresh process to exit)", "ms", ScaleMeasureKind.Cost, size, MedianOf(runs));
                    results.Add(target.Name, "schedctl jobs list: lines printed", "lines", ScaleMeasureKind.Info, size, lines);
                }
            }

            if (target.CanReopen)
            {
                var steps = new Dictionary<string, List<double>>();
                var order = new List<string>();
                for (int run = 0; run < 3; run++)
                {
                    foreach ((string step, TimeSpan took) in await target.ReopenAsync(DeclaredJobs).ConfigureAwait(false))
                    {
                        if (!steps.TryGetValue(step, out List<double>? list))
                        {
                            steps[step] = list = [];
                            order.Add(step);
                        }

                        list.Add(took.TotalMilliseconds);
                    }

                    if (steps[order[^1]].Sum() > 5_000)
                    {
                        break;
                    }
                }

                foreach (string step in order)
                {
                    startups.Add([target.Name, target.Count, step, steps[step].Count, MedianOf(steps[step])]);
                }

                results.Add(target.Name, "Start-up on the existing store (fresh instance; see below)", "ms", ScaleMeasureKind.Info, size, MedianOf(steps[order[^1]]));
            }
        }
    }

    /// <summary>Jobs per second of the median of five batch calls, and the process's CPU time per job over the five.</summary>
    private static async Task<(double Rate, double CpuPerJob)> BatchRateAsync(ScaleTarget target, bool scheduler)
    {
        long[] batches = new long[5];
        TimeSpan cpu = ProcessorTime();
        for (int i = 0; i < batches.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await target.ScheduleBatchAsync(MeasuredBatch, scheduler).ConfigureAwait(false);
            batches[i] = Stopwatch.GetTimestamp() - start;
        }

        return (MeasuredBatch / (Median(batches) / Stopwatch.Frequency), (ProcessorTime() - cpu).TotalMicroseconds / (batches.Length * MeasuredBatch));
    }

    /// <summary>
    /// The CPU time of this process (every thread; nothing else runs while a figure is measured): unlike the wall clock, it does not
    /// count the time the process waits for a core, so it can be compared between sizes measured at different loads.
    /// </summary>
    private static TimeSpan ProcessorTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>A few calls of everything, not reported, so that compiling the code is not in the first size's figures.</summary>
    private static async Task WarmUpAsync(ScaleTarget target, Random random)
    {
        for (int i = 0; i < 100; i++)
        {
            await target.ScheduleOneAsync().ConfigureAwait(false);
        }

        if (target.HasBatch)
        {
            await target.ScheduleBatchAsync(MeasuredBatch).ConfigureAwait(false);
        }

        if (target.HasSchedulerBatch)
        {
            await target.ScheduleBatchAsync(MeasuredBatch, scheduler: true).ConfigureAwait(false);
        }

        // Each operation 50 times, twice, with a pause for the runtime to compile the hot methods again, optimized, in the
        // background: with ten calls the first size's CPU per call included that compiling (more CPU than wall time per call).
        for (int round = 0; round < 2; round++)
        {
            foreach (ScaleOperation operation in Enum.GetValues<ScaleOperation>())
            {
                if (target.Supports(operation))
                {
                    await TimeAsync(target, operation, 50, random).ConfigureAwait(false);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The median of <paramref name="calls"/> timed calls (at most 10 s of them, at least 5), and the process's CPU time per call
    /// summed over the calls alone (not their preparation), in µs. The CPU time is the client's share: it leaves out the server's
    /// work and the waits for a core, which the wall-clock median includes.
    /// </summary>
    private static async Task<(double Median, double CpuPerCall)> TimeAsync(ScaleTarget target, ScaleOperation operation, int calls, Random random)
    {
        var ticks = new List<long>(calls);
        TimeSpan cpu = TimeSpan.Zero;
        long began = Stopwatch.GetTimestamp();
        while (ticks.Count < calls && (ticks.Count < 5 || Stopwatch.GetElapsedTime(began) < TimeSpan.FromSeconds(10)))
        {
            await target.PrepareAsync(operation).ConfigureAwait(false);
            TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            await target.RunAsync(operation, random).ConfigureAwait(false);
            ticks.Add(Stopwatch.GetTimestamp() - start);
            cpu += Environment.CpuUsage.TotalTime - cpuBefore;
        }

        return (Median([.. ticks]) * 1_000_000.0 / Stopwatch.Frequency, cpu.TotalMicroseconds / ticks.Count);
    }

    private static string Label(ScaleOperation operation) => operation switch
    {
        ScaleOperation.Get => "Get one job",
        ScaleOperation.ListByStatus => "List pending, first page of 100",
        ScaleOperation.ListByName => "List by exact name (1 job)",
        ScaleOperation.ListByNamePrefix => "List by name prefix, page of 100",
        ScaleOperation.ListBySource => "List by source, page of 100",
        ScaleOperation.Count => "Count",
        ScaleOperation.Cancel => "Cancel one pending job",
        ScaleOperation.Claim => "Claim one due job",
        _ => operation.ToString(),
    };

    private static double Median(long[] values)
    {
        Array.Sort(values);
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2.0;
    }

    private static double MedianOf(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "?";
}
