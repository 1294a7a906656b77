using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NCrontab;
using Ours = Codomyrmex.Scheduler.CronExpression;

namespace Codomyrmex.Scheduler.Benchmarks;

/// <summary>
/// Parsing the same schedules with each library. Each category is one expression; a library that does not support it is
/// left out of that category. Quartz needs a seconds field and a <c>?</c> in one of the day fields, so it gets the same
/// schedule in its own dialect.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortRunConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CronParseBenchmarks
{
    private const string EveryMinute = "* * * * *";
    private const string Weekdays = "0 9 * * 1-5";
    private const string Ranges = "*/15 9-17 * JAN-NOV MON-FRI";
    private const string LastDay = "0 0 L * *";
    private const string Daily = "@daily";

    [Benchmark(Baseline = true), BenchmarkCategory(EveryMinute)]
    public Cronos.CronExpression Cronos_EveryMinute() => Cronos.CronExpression.Parse(EveryMinute);

    [Benchmark, BenchmarkCategory(EveryMinute)]
    public Ours Codomyrmex_EveryMinute() => Ours.Parse(EveryMinute);

    [Benchmark, BenchmarkCategory(EveryMinute)]
    public CrontabSchedule NCrontab_EveryMinute() => CrontabSchedule.Parse(EveryMinute);

    [Benchmark, BenchmarkCategory(EveryMinute)]
    public Quartz.CronExpression Quartz_EveryMinute() => new("0 * * * * ?");

    [Benchmark(Baseline = true), BenchmarkCategory(Weekdays)]
    public Cronos.CronExpression Cronos_Weekdays() => Cronos.CronExpression.Parse(Weekdays);

    [Benchmark, BenchmarkCategory(Weekdays)]
    public Ours Codomyrmex_Weekdays() => Ours.Parse(Weekdays);

    [Benchmark, BenchmarkCategory(Weekdays)]
    public CrontabSchedule NCrontab_Weekdays() => CrontabSchedule.Parse(Weekdays);

    [Benchmark, BenchmarkCategory(Weekdays)]
    public Quartz.CronExpression Quartz_Weekdays() => new("0 0 9 ? * MON-FRI");

    [Benchmark(Baseline = true), BenchmarkCategory(Ranges)]
    public Cronos.CronExpression Cronos_Ranges() => Cronos.CronExpression.Parse(Ranges);

    [Benchmark, BenchmarkCategory(Ranges)]
    public Ours Codomyrmex_Ranges() => Ours.Parse(Ranges);

    [Benchmark, BenchmarkCategory(Ranges)]
    public CrontabSchedule NCrontab_Ranges() => CrontabSchedule.Parse(Ranges);

    [Benchmark, BenchmarkCategory(Ranges)]
    public Quartz.CronExpression Quartz_Ranges() => new("0 */15 9-17 ? JAN-NOV MON-FRI");

    // NCrontab has no L.
    [Benchmark(Baseline = true), BenchmarkCategory(LastDay)]
    public Cronos.CronExpression Cronos_LastDay() => Cronos.CronExpression.Parse(LastDay);

    [Benchmark, BenchmarkCategory(LastDay)]
    public Ours Codomyrmex_LastDay() => Ours.Parse(LastDay);

    [Benchmark, BenchmarkCategory(LastDay)]
    public Quartz.CronExpression Quartz_LastDay() => new("0 0 0 L * ?");

    // Only Cronos and we have macros.
    [Benchmark(Baseline = true), BenchmarkCategory(Daily)]
    public Cronos.CronExpression Cronos_Daily() => Cronos.CronExpression.Parse(Daily);

    [Benchmark, BenchmarkCategory(Daily)]
    public Ours Codomyrmex_Daily() => Ours.Parse(Daily);
}
