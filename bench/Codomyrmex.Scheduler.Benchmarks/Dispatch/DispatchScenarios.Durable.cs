using System.Diagnostics;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// The <c>durable</c> scenario: fires per second and schedule calls per second on SQLite files, Codomyrmex's
/// <see cref="SqliteJobStore"/> against Quartz.NET's ADO.NET job store and Hangfire.Storage.SQLite, with Codomyrmex in memory in
/// the same table as the yardstick.
/// </summary>
internal static partial class DispatchScenarios
{
    private static async Task DurableAsync()
    {
        int n = Scaled(20_000);

        // Hangfire on SQLite schedules and fires a few hundred jobs a second: it gets a tenth of the jobs, so that its runs take
        // seconds rather than minutes (its rates are per second all the same).
        int few = Scaled(2_000);
        var targets = new (Func<DispatchTarget> Create, int Runs, int Jobs)[]
        {
            (() => new CodomyrmexTarget(Workers), 3, n),
            (() => new CodomyrmexTarget(Workers, path => new SqliteJobStoreOptions { Path = path }), 3, n),
            (() => new CodomyrmexTarget(Workers, path => new SqliteJobStoreOptions { Path = path, FlushEveryCommit = true }), 1, n),
            (() => new QuartzTarget(Workers, sqlite: true), 1, n),
            (() => new HangfireTarget(Workers, HangfirePolling, useSchedule: false, sqlite: true), 1, few),
            (() => new HangfireTarget(Workers, HangfirePolling, useSchedule: true, sqlite: true), 1, few),
        };

        var table = new MarkdownTable("Durable fires per second: no-op one-shot jobs on SQLite, all due when the scheduler starts",
            "Library", "Run", "Jobs", "Schedule (s)", "Schedule calls/s", "Start to last fire (s)", "Fires/s", "Fires/s vs Codomyrmex in memory",
            "Start to first fire (ms)", "CPU (s)", "Check");
        double inMemory = double.NaN;
        foreach ((Func<DispatchTarget> create, int runs, int jobs) in targets)
        {
            await FireOnceAsync(create, Math.Min(jobs, Scaled(2_000)));
            var rates = new List<double>();
            for (int run = 1; run <= runs; run++)
            {
                FireResult r = await FireOnceAsync(create, jobs);
                rates.Add(r.FiresPerSecond);
                table.Row(r.Library, run, jobs, r.Schedule.TotalSeconds, jobs / r.Schedule.TotalSeconds, r.Seconds, r.FiresPerSecond,
                    double.IsNaN(inMemory) ? "1 (the yardstick)" : Ratio(r.FiresPerSecond / inMemory), r.FirstMs, r.Cpu.TotalSeconds, r.Check);
            }

            if (double.IsNaN(inMemory))
            {
                inMemory = Median(rates);
            }
        }

        await DurablePendingAsync(n, few);
    }

    /// <summary>
    /// With the scheduler started, schedules <paramref name="n"/> far-future one-shot jobs (<paramref name="few"/> for Hangfire):
    /// schedule calls per second, the managed memory they retain and the bytes they take in the file.
    /// </summary>
    private static async Task DurablePendingAsync(int n, int few)
    {
        var targets = new (Func<DispatchTarget> Create, int Jobs)[]
        {
            (() => new CodomyrmexTarget(Workers), n),
            (() => new CodomyrmexTarget(Workers, path => new SqliteJobStoreOptions { Path = path }), n),
            (() => new CodomyrmexTarget(Workers, path => new SqliteJobStoreOptions { Path = path, FlushEveryCommit = true }), n),
            (() => new QuartzTarget(Workers, sqlite: true), n),
            (() => new HangfireTarget(Workers, HangfirePolling, useSchedule: true, sqlite: true), few),
        };

        var table = new MarkdownTable("Durable pending jobs: far-future one-shot jobs scheduled into a started scheduler",
            "Library", "Jobs", "Schedule calls/s", "Calls/s vs Codomyrmex in memory", "Managed bytes per job", "File bytes per job (with WAL)");
        double inMemory = double.NaN;
        foreach ((Func<DispatchTarget> create, int jobs) in targets)
        {
            await PendingOnDiskAsync(create, Math.Min(jobs, Scaled(2_000)));
            (string library, double rate, double managed, double file) = await PendingOnDiskAsync(create, jobs);
            table.Row(library, jobs, rate, double.IsNaN(inMemory) ? "1 (the yardstick)" : Ratio(rate / inMemory), managed, file == 0 ? "-" : file);
            if (double.IsNaN(inMemory))
            {
                inMemory = rate;
            }
        }
    }

    private static async Task<(string Library, double Rate, double Managed, double File)> PendingOnDiskAsync(Func<DispatchTarget> create, int n)
    {
        await using DispatchTarget target = create();
        target.Start();
        DateTimeOffset far = DateTimeOffset.UtcNow.AddDays(1);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            target.SchedulePending(far.AddTicks(i * TimeSpan.TicksPerMillisecond * 10), i);
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        (string, double, double, double) result = (target.Name, n / elapsed.TotalSeconds, (after - before) / (double)n, target.FileBytes / (double)n);
        GC.KeepAlive(target);
        return result;
    }

    private static string Ratio(double ratio) => ratio >= 0.1 ? ratio.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)
        : ratio.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }
}
