using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// The dispatch scenarios, run as one process that races Codomyrmex, Quartz.NET and Hangfire one after the other and
/// prints markdown tables: <c>fires</c> (throughput of jobs all due at once), <c>lateness</c> (start minus scheduled
/// time), <c>memory</c> (bytes per pending job, schedule rate, and Get/List/Cancel latency at that size), <c>durable</c>
/// (fires and schedule calls per second on SQLite files: see <c>DispatchScenarios.Durable.cs</c>).
/// </summary>
/// <remarks>
/// These are whole-scheduler scenarios on the real clock, with threads, one run of many seconds each: not the
/// many-invocations-of-one-call shape BenchmarkDotNet measures. Each library gets a warm-up run first (not reported), so
/// that JIT compilation is not in the numbers; nothing else runs between the runs.
/// </remarks>
internal static partial class DispatchScenarios
{
    /// <summary>Workers for every library: our default, and Quartz's <c>maxConcurrency</c> and Hangfire's <c>WorkerCount</c> alike.</summary>
    private const int Workers = 4;

    /// <summary>Hangfire's <c>SchedulePollingInterval</c> (15 s by default): how often due scheduled jobs move to the queue.</summary>
    private static readonly TimeSpan HangfirePolling = TimeSpan.FromMilliseconds(100);

    /// <summary>Measured runs of the fires scenario for Codomyrmex (history on and off) and Quartz.</summary>
    private const int FireRuns = 5;

    /// <summary>Full-size warm-up runs of the fires scenario for each library measured <see cref="FireRuns"/> times.</summary>
    private const int FireWarmUps = 2;

    private static double s_scale = 1;

    /// <summary>Whether Hangfire runs too (not in <c>dispatch</c>, which races the in-memory scheduler against Quartz only).</summary>
    private static bool s_hangfire = true;

    /// <summary>Whether the fires scenario leaves Quartz out (<c>--no-quartz</c>: for profiling our own runs alone, never for a ratio).</summary>
    private static bool s_quartz = true;

    public static async Task<int> RunAsync(string[] args)
    {
        string scenario = args.Length > 0 ? args[0] : "all";
        if (args.Contains("--quick"))
        {
            s_scale = 0.1;
        }

        if (scenario == "dispatch" || args.Contains("--no-hangfire"))
        {
            // The in-memory targets of the speed issue, side by side with Quartz in one run: fires and pending memory.
            s_hangfire = false;
        }

        s_quartz = !args.Contains("--no-quartz");

        PrintMachine();
        var total = Stopwatch.StartNew();
        if (scenario is "fires" or "all" or "dispatch")
        {
            await FiresAsync();
        }

        if (scenario is "lateness" or "all")
        {
            await LatenessAsync();
        }

        if (scenario is "memory" or "all" or "dispatch")
        {
            await MemoryAsync();
        }

        if (scenario is "durable" or "all")
        {
            await DurableAsync();
        }

        if (scenario is "cluster" or "cluster-latency" or "all")
        {
            await ClusterAsync(firesPerSecond: scenario != "cluster-latency");
        }

        Console.WriteLine();
        Console.WriteLine($"Total time: {total.Elapsed.TotalSeconds:0} s");
        return 0;
    }

    private static int Scaled(int n) => Math.Max(1000, (int)(n * s_scale));

    private static void PrintMachine()
    {
        Console.WriteLine($"Started {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; " +
            $"{Environment.ProcessorCount} logical cores; {(GCSettings.IsServerGC ? "server" : "workstation")} GC, latency mode {GCSettings.LatencyMode}; " +
            $"{Workers} workers for every library; Hangfire SchedulePollingInterval {HangfirePolling.TotalMilliseconds} ms.");
    }

    // ----- (a) fires per second -----------------------------------------------------------------------------------------

    private static async Task FiresAsync()
    {
        int n = Scaled(100_000);
        var targets = new List<(Func<DispatchTarget> Create, int Runs)>
        {
            (() => new CodomyrmexTarget(Workers), FireRuns),
            (() => new CodomyrmexTarget(Workers, history: new RunHistoryOptions { MaxRunsPerJob = 0 }), FireRuns),
        };
        if (s_quartz)
        {
            targets.Add((() => new QuartzTarget(Workers), FireRuns));
        }

        if (s_hangfire)
        {
            targets.Add((() => new HangfireTarget(Workers, HangfirePolling, useSchedule: false), 1));
            targets.Add((() => new HangfireTarget(Workers, HangfirePolling, useSchedule: true), 1));
        }

        // Warm-up, not reported: a small run, then full-size runs, so that the JIT's tiering (which promotes the hot paths
        // after their first calls and again with their profile) has settled before any run is measured.
        foreach ((Func<DispatchTarget> create, int runs) in targets)
        {
            await FireOnceAsync(create, Scaled(10_000));
            for (int i = 0; runs > 1 && i < FireWarmUps; i++)
            {
                await FireOnceAsync(create, n);
            }
        }

        // Measured runs in rounds, one run of each library per round: the libraries share every stretch of the run, so a
        // machine that gets slower or faster for a while (a shared one does) moves them alike, not one library's runs alone.
        // Each round starts one library further on, so that no library always follows the same one (whose threads may still
        // be winding down, or whose heap the collector is still shrinking).
        var results = new List<FireResult>[targets.Count];
        for (int run = 1; run <= targets.Max(t => t.Runs); run++)
        {
            for (int i = 0; i < targets.Count; i++)
            {
                int t = (i + run - 1) % targets.Count;
                if (run <= targets[t].Runs)
                {
                    (results[t] ??= []).Add(await FireOnceAsync(targets[t].Create, n));
                }
            }
        }

        var table = new MarkdownTable($"Fires per second: {n:N0} no-op one-shot jobs, all due when the scheduler starts",
            "Library", "Run", "Schedule (s)", "Start to last fire (s)", "Fires/s", "Start to first fire (ms)", "First to last: fires/s", "CPU (s)",
            "Allocated bytes per fire", "GCs (gen0/1/2)", "Check");
        var medians = new List<(string Library, double FiresPerSecond)>();
        foreach (List<FireResult> runs in results)
        {
            for (int run = 0; run < runs.Count; run++)
            {
                FireResult r = runs[run];
                table.Row(r.Library, run + 1, r.Schedule.TotalSeconds, r.Seconds, r.FiresPerSecond, r.FirstMs, r.FirstToLast, r.Cpu.TotalSeconds,
                    r.AllocatedPerFire, r.Collections, r.Check);
            }

            List<double> rates = runs.Select(r => r.FiresPerSecond).Order().ToList();
            medians.Add((runs[0].Library, rates[rates.Count / 2]));
        }

        // The ratio the speed target is stated in: medians of the runs of one process, each against Quartz's.
        double quartz = medians.FirstOrDefault(m => m.Library == "Quartz").FiresPerSecond;
        var summary = new MarkdownTable("Fires per second: medians, and each against Quartz's median in this run", "Library", "Median fires/s", "vs Quartz");
        foreach ((string library, double rate) in medians)
        {
            summary.Row(library, rate, quartz > 0 ? rate / quartz : double.NaN);
        }

        if (s_quartz)
        {
            // The same runs paired by round: each of our runs against the Quartz run of its own round (the same stretch of time).
            List<FireResult> ours = results[0];
            List<FireResult> theirs = results.First(r => r[0].Library == "Quartz");
            var rounds = new MarkdownTable("Fires per second by round: Codomyrmex (history on) against Quartz in the same round", "Library", "Round",
                "Codomyrmex fires/s", "Quartz fires/s", "vs Quartz");
            for (int i = 0; i < ours.Count; i++)
            {
                rounds.Row("Codomyrmex", i + 1, ours[i].FiresPerSecond, theirs[i].FiresPerSecond, ours[i].FiresPerSecond / theirs[i].FiresPerSecond);
            }
        }
    }

    /// <summary>One run of the fires scenario: <paramref name="n"/> jobs all due at start, scheduled before <c>Start</c>.</summary>
    private static async Task<FireResult> FireOnceAsync(Func<DispatchTarget> create, int n)
    {
        await using DispatchTarget target = create();
        FireRecorder.Reset(n, timestamps: false);

        // Due now, scheduled before Start: everything is due the moment the scheduler starts.
        DateTimeOffset due = DateTimeOffset.UtcNow;
        long scheduling = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            target.ScheduleFire(due, i);
        }

        TimeSpan scheduled = Stopwatch.GetElapsedTime(scheduling);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        TimeSpan cpu = CpuTime();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        long start = Stopwatch.GetTimestamp();
        target.Start();
        bool done = FireRecorder.Done.Wait(TimeSpan.FromMinutes(3));
        long last = done ? FireRecorder.Last : Stopwatch.GetTimestamp();
        cpu = CpuTime() - cpu;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        string gcs = $"{GC.CollectionCount(0) - collections[0]}/{GC.CollectionCount(1) - collections[1]}/{GC.CollectionCount(2) - collections[2]}";
        long first = FireRecorder.First;

        string check = done ? "ok" : $"**timed out with {FireRecorder.Count:N0} of {n:N0}**";
        if (done)
        {
            string? verdict = target.Verify(n);
            await Task.Delay(200);
            int count = FireRecorder.Count;
            if (count != n)
            {
                check = $"**{count:N0} fires for {n:N0} jobs**";
            }
            else if (verdict is not null)
            {
                check = "**" + verdict + "**";
            }
        }

        double seconds = (last - start) / (double)Stopwatch.Frequency;
        double firstMs = first == 0 ? double.NaN : (first - start) * 1000.0 / Stopwatch.Frequency;
        double firstToLast = first == 0 ? double.NaN : (n - 1) / ((last - first) / (double)Stopwatch.Frequency);
        return new FireResult(target.Name, n, scheduled, seconds, FireRecorder.Count / seconds, firstMs, firstToLast, cpu, allocated / (double)n, gcs, check);
    }

    /// <summary>One run's result; <see cref="AllocatedPerFire"/> counts every thread's allocations from <c>Start</c> to the last fire.</summary>
    private readonly record struct FireResult(
        string Library, int Jobs, TimeSpan Schedule, double Seconds, double FiresPerSecond, double FirstMs, double FirstToLast, TimeSpan Cpu,
        double AllocatedPerFire, string Collections, string Check);

    // ----- (b) lateness -----------------------------------------------------------------------------------------------

    private static async Task LatenessAsync()
    {
        int n = Scaled(10_000);
        TimeSpan spread = TimeSpan.FromSeconds(10 * s_scale);
        var targets = new Func<DispatchTarget>[]
        {
            () => new CodomyrmexTarget(Workers),
            () => new QuartzTarget(Workers),
            () => new HangfireTarget(Workers, HangfirePolling, useSchedule: true),
        };

        var table = new MarkdownTable(
            $"Fire lateness: {n:N0} jobs due {spread.TotalMilliseconds / n:0.###} ms apart over {spread.TotalSeconds:0.#} s (ms, start of the job body minus its scheduled time)",
            "Library", "Run", "Min", "Mean", "p50", "p99", "p99.9", "Max", "Late > 1 ms", "Late > 10 ms", "CPU (s)", "Check");
        foreach (Func<DispatchTarget> create in targets)
        {
            await LatenessOnceAsync(create, Math.Max(100, n / 10), spread / 10, table: null, run: 0);
            for (int run = 1; run <= 3; run++)
            {
                await LatenessOnceAsync(create, n, spread, table, run);
            }
        }
    }

    private static async Task LatenessOnceAsync(Func<DispatchTarget> create, int n, TimeSpan spread, MarkdownTable? table, int run)
    {
        await using DispatchTarget target = create();
        target.Start();
        await Task.Delay(500);
        FireRecorder.Reset(n, timestamps: true);
        TimeSpan lead = TimeSpan.FromSeconds(3);
        (DateTimeOffset wall, long ticks) = ClockPair();
        long[] dueTicks = new long[n];
        for (int i = 0; i < n; i++)
        {
            TimeSpan offset = lead + (spread * i / n);
            dueTicks[i] = ticks + (long)(offset.Ticks * (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond);
            target.ScheduleRecord(wall + offset, i);
        }

        TimeSpan scheduling = Stopwatch.GetElapsedTime(ticks);
        TimeSpan cpu = CpuTime();
        bool done = FireRecorder.Done.Wait(lead + spread + TimeSpan.FromSeconds(30));
        cpu = CpuTime() - cpu;
        string check = scheduling > lead ? $"**scheduling took {scheduling.TotalSeconds:0.0} s, past the first due time**" : "ok";
        if (!done)
        {
            check = $"**timed out with {FireRecorder.Count:N0} of {n:N0}**";
        }

        if (table is null || !done)
        {
            table?.Row(target.Name, run, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, "-", "-", cpu.TotalSeconds, check);
            return;
        }

        long[] started = FireRecorder.Started;
        long[] late = new long[n];
        int over1 = 0;
        int over10 = 0;
        for (int i = 0; i < n; i++)
        {
            late[i] = started[i] - dueTicks[i];
            over1 += late[i] > Stopwatch.Frequency / 1000 ? 1 : 0;
            over10 += late[i] > Stopwatch.Frequency / 100 ? 1 : 0;
        }

        LatencyStats stats = LatencyStats.From(late, 1000);
        table.Row(target.Name, run, stats.Min, stats.Mean, stats.P50, stats.P99, stats.P999, stats.Max, over1, over10, cpu.TotalSeconds, check);
    }

    /// <summary>CPU time the whole process used so far (every thread: the library's, the thread pool's, the GC's).</summary>
    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>A wall-clock reading and a Stopwatch reading taken together (the closest pair of a few), to map one onto the other.</summary>
    private static (DateTimeOffset Wall, long Ticks) ClockPair()
    {
        (DateTimeOffset Wall, long Ticks) best = default;
        long bestGap = long.MaxValue;
        for (int i = 0; i < 20; i++)
        {
            long before = Stopwatch.GetTimestamp();
            DateTimeOffset wall = TimeProvider.System.GetUtcNow();
            long after = Stopwatch.GetTimestamp();
            if (after - before < bestGap)
            {
                bestGap = after - before;
                best = (wall, before + ((after - before) / 2));
            }
        }

        return best;
    }

    // ----- (c) memory and schedule rate, (d) Get/List/Cancel ------------------------------------------------------------

    private static async Task MemoryAsync()
    {
        var targets = new List<Func<DispatchTarget>>
        {
            () => new CodomyrmexTarget(Workers),
            () => new QuartzTarget(Workers),
        };
        if (s_hangfire)
        {
            targets.Add(() => new HangfireTarget(Workers, HangfirePolling, useSchedule: true));
        }

        var memory = new List<object[]>();
        var operations = new List<object[]>();
        // Warm-up, not reported: as many jobs as the smaller measured size, so that the JIT's tiering has promoted the schedule
        // path (a 10,000-job warm-up left it to the first measured loop, which then ran at a fraction of its later rate).
        foreach (Func<DispatchTarget> create in targets)
        {
            await PendingOnceAsync(create, Scaled(100_000), memory: null, operations: null);
        }

        foreach (int n in new[] { Scaled(100_000), Scaled(1_000_000) })
        {
            foreach (Func<DispatchTarget> create in targets)
            {
                await PendingOnceAsync(create, n, memory, operations);
            }
        }

        var memoryTable = new MarkdownTable("Pending far-future one-shot jobs: managed memory and schedule rate (scheduler started)",
            "Library", "Pending jobs", "Schedule calls/s", "Managed bytes per job", "Heap after (MB)");
        memory.ForEach(row => memoryTable.Row(row));
        var operationsTable = new MarkdownTable("Get, List and Cancel with that many pending jobs (µs per call)",
            "Library", "Pending jobs", "Operation", "Calls", "Mean", "p50", "p99", "Max");
        operations.ForEach(row => operationsTable.Row(row));
    }

    private static async Task PendingOnceAsync(Func<DispatchTarget> create, int n, List<object[]>? memory, List<object[]>? operations)
    {
        object[] samples;
        {
            await using DispatchTarget target = create();
            target.Start();
            int stride = Math.Max(1, n / 10_000);
            samples = new object[n / stride];
            DateTimeOffset far = DateTimeOffset.UtcNow.AddDays(1);
            long before = GC.GetTotalMemory(forceFullCollection: true);
            long start = Stopwatch.GetTimestamp();
            bool derived = target.DerivedHandle(0) is not null;
            for (int i = 0; i < n; i++)
            {
                object handle = target.SchedulePending(far.AddTicks(i * TimeSpan.TicksPerMillisecond * 10), i);
                if (i % stride == 0 && i / stride < samples.Length)
                {
                    if (!derived)
                    {
                        samples[i / stride] = handle;
                    }
                    else if (!handle.Equals(target.DerivedHandle(i)))
                    {
                        throw new InvalidOperationException($"{target.Name} returned {handle} for job {i}, not {target.DerivedHandle(i)}.");
                    }
                }
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            long after = GC.GetTotalMemory(forceFullCollection: true);
            for (int k = 0; derived && k < samples.Length; k++)
            {
                samples[k] = target.DerivedHandle(k * stride)!;
            }
            memory?.Add([target.Name, n, n / elapsed.TotalSeconds, (after - before) / (double)n, after / 1048576.0]);

            Measure(operations, target.Name, n, "Get", samples, target.Get);
            Measure(operations, target.Name, n, "List running", Repeat(20), _ => target.ListRunning());
            Measure(operations, target.Name, n, "List first page of 50 pending", Repeat(20), _ => CheckPage(target.ListPage()));
            Measure(operations, target.Name, n, "Cancel", samples, target.Cancel);
            GC.KeepAlive(target);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static object[] Repeat(int count) => Enumerable.Repeat(new object(), count).ToArray();

    private static void CheckPage(int length)
    {
        if (length != 50)
        {
            throw new InvalidOperationException($"A page of {length} jobs, not 50.");
        }
    }

    private static void Measure(List<object[]>? rows, string library, int n, string operation, object[] handles, Action<object> call)
    {
        long[] ticks = new long[handles.Length];
        for (int i = 0; i < handles.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call(handles[i]);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        LatencyStats stats = LatencyStats.From(ticks, 1_000_000);
        rows?.Add([library, n, operation, handles.Length, stats.Mean, stats.P50, stats.P99, stats.Max]);
    }
}
