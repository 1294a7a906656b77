using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NCrontab;
using Ours = Codomyrmex.Scheduler.CronExpression;

namespace Codomyrmex.Scheduler.Benchmarks;

/// <summary>
/// The next occurrence after one fixed instant, for the same schedule, in UTC, New York and Berlin. Everything is parsed
/// in <see cref="Setup"/>; each call starts from the same instant for every library. NCrontab has no time zones, so it
/// runs in UTC only. The setup checks that every library finds the same instant, so that they race on the same work.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortRunConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CronNextOccurrenceBenchmarks
{
    private const string Utc = "UTC";
    private const string NewYork = "America/New_York";
    private const string Berlin = "Europe/Berlin";

    /// <summary>A Wednesday afternoon, away from any DST transition, so that every expression looks ahead a little.</summary>
    private static readonly DateTimeOffset From = new(2025, 6, 18, 14, 23, 45, TimeSpan.Zero);

    private TimeZoneInfo _newYork = null!;
    private TimeZoneInfo _berlin = null!;
    private Ours _ours = null!;
    private Cronos.CronExpression _cronos = null!;
    private CrontabSchedule _ncrontab = null!;
    private Quartz.CronExpression _quartzUtc = null!;
    private Quartz.CronExpression _quartzNewYork = null!;
    private Quartz.CronExpression _quartzBerlin = null!;

    [Params("0 9 * * 1-5", "*/15 * * * *", "30 2 * * *")]
    public string Expression { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _newYork = TimeZoneInfo.FindSystemTimeZoneById(NewYork);
        _berlin = TimeZoneInfo.FindSystemTimeZoneById(Berlin);
        _ours = Ours.Parse(Expression);
        _cronos = Cronos.CronExpression.Parse(Expression);
        _ncrontab = CrontabSchedule.Parse(Expression);
        string quartz = ToQuartz(Expression);
        _quartzUtc = new Quartz.CronExpression(quartz, TimeZoneInfo.Utc);
        _quartzNewYork = new Quartz.CronExpression(quartz, _newYork);
        _quartzBerlin = new Quartz.CronExpression(quartz, _berlin);

        Agree(Utc, Codomyrmex_Utc(), Cronos_Utc(), new DateTimeOffset(NCrontab_Utc(), TimeSpan.Zero), Quartz_Utc());
        Agree(NewYork, Codomyrmex_NewYork(), Cronos_NewYork(), Quartz_NewYork());
        Agree(Berlin, Codomyrmex_Berlin(), Cronos_Berlin(), Quartz_Berlin());
    }

    [Benchmark(Baseline = true), BenchmarkCategory(Utc)]
    public DateTimeOffset? Cronos_Utc() => _cronos.GetNextOccurrence(From, TimeZoneInfo.Utc);

    [Benchmark, BenchmarkCategory(Utc)]
    public DateTimeOffset? Codomyrmex_Utc() => _ours.GetNextOccurrence(From, TimeZoneInfo.Utc);

    [Benchmark, BenchmarkCategory(Utc)]
    public DateTime NCrontab_Utc() => _ncrontab.GetNextOccurrence(From.UtcDateTime);

    [Benchmark, BenchmarkCategory(Utc)]
    public DateTimeOffset? Quartz_Utc() => _quartzUtc.GetNextValidTimeAfter(From);

    [Benchmark(Baseline = true), BenchmarkCategory(NewYork)]
    public DateTimeOffset? Cronos_NewYork() => _cronos.GetNextOccurrence(From, _newYork);

    [Benchmark, BenchmarkCategory(NewYork)]
    public DateTimeOffset? Codomyrmex_NewYork() => _ours.GetNextOccurrence(From, _newYork);

    [Benchmark, BenchmarkCategory(NewYork)]
    public DateTimeOffset? Quartz_NewYork() => _quartzNewYork.GetNextValidTimeAfter(From);

    [Benchmark(Baseline = true), BenchmarkCategory(Berlin)]
    public DateTimeOffset? Cronos_Berlin() => _cronos.GetNextOccurrence(From, _berlin);

    [Benchmark, BenchmarkCategory(Berlin)]
    public DateTimeOffset? Codomyrmex_Berlin() => _ours.GetNextOccurrence(From, _berlin);

    [Benchmark, BenchmarkCategory(Berlin)]
    public DateTimeOffset? Quartz_Berlin() => _quartzBerlin.GetNextValidTimeAfter(From);

    /// <summary>The same schedule in Quartz's dialect: a leading seconds field, and <c>?</c> for the unrestricted day field.</summary>
    private static string ToQuartz(string expression) => expression switch
    {
        "0 9 * * 1-5" => "0 0 9 ? * MON-FRI", // Quartz numbers weekdays 1-7 from Sunday, so names keep the meaning.
        "*/15 * * * *" => "0 */15 * * * ?",
        "30 2 * * *" => "0 30 2 * * ?",
        _ => throw new ArgumentOutOfRangeException(nameof(expression), expression, "No Quartz translation for this expression."),
    };

    private static void Agree(string zone, params DateTimeOffset?[] results)
    {
        if (results.Any(r => r is null || r.Value.UtcTicks != results[0]!.Value.UtcTicks))
        {
            throw new InvalidOperationException($"Libraries disagree on the next occurrence in {zone}: {string.Join(", ", results)}.");
        }
    }
}
