using System.Globalization;
using CsCheck;
using CronosExpression = Cronos.CronExpression;
using CronosFormat = Cronos.CronFormat;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Our engine against Cronos 0.13 over generated expressions, zones and instants. Every difference between the two is one
/// of the intended ones below, each accounted for exactly (never by a tolerance):
/// <list type="number">
/// <item>
/// Day-of-month with day-of-week. Cronos requires both; we accept either when both are restricted and neither begins with
/// <c>*</c> or <c>?</c> (the cron rules in README.md (Cron dialect)). Then our occurrence is the earlier of Cronos's for the expression with day-of-week
/// replaced by <c>*</c> and with day-of-month replaced by <c>*</c>. That holds across DST too: gaps and overlaps are resolved per
/// local time, so the occurrences of an "either" expression are the union of those of its two halves, and both halves keep the
/// minute, hour and second fields that decide the overlap rule. (<c>L</c>, <c>LW</c>, <c>nW</c>, <c>nL</c> and <c>n#k</c> need no
/// care: each stays in its own field, and Cronos ignores a day-of-week <c>*</c> next to them and vice versa.)
/// </item>
/// <item>
/// Which expressions fire in both passes of a fall-back overlap. Cronos calls an expression an interval if its second,
/// minute or hour field contains <c>*</c>, <c>?</c>, <c>-</c> or <c>/</c> (<c>CronField.CanDefineInterval</c> is true for those
/// three fields in its parser; checked by experiment: <c>*/10 30 1 * * *</c> fires at 01:30 EST after 01:30:50 EDT). the cron rules in README.md (Cron dialect)
/// looks at minute and hour only, so <c>*/10 30 1 * * *</c> is a fixed time for us and fires in the first pass only. When the
/// second field alone makes Cronos see an interval, we drop Cronos's occurrences in the second pass (a local time already shown
/// earlier) and take its next one.
/// </item>
/// <item>
/// Dialect. Generation is limited to what both parse to the same sets: <c>*</c> only as a whole field (Cronos rejects
/// <c>*/5,7</c>), steps at most the field's largest value (Cronos: 59, 23, 31, 12, 7; we also take 60 and 24), numbers of at most
/// two digits (we read four), and no day-of-week range that starts at 7, wraps and has a step above 1 (Cronos reads
/// <c>7-3/2</c> as Tuesday only, where 7 is Sunday for us: Sunday and Tuesday). No <c>?</c> outside the day fields (Cronos
/// accepts it anywhere, we refuse it), no <c>L-nW</c> (Cronos only).
/// </item>
/// </list>
/// </summary>
public class CronDifferentialTests
{
    /// <summary>Each case checks this many successive occurrences.</summary>
    private const int Chain = 4;

    [Fact]
    public void GetNextOccurrence_AnyExpression_AgreesWithCronosUpToTheDocumentedDifferences() =>
        CronGen.Case(cronos: true, dense: false).Sample(CheckAgainstCronos, iter: 20_000, print: Print);

    [Fact]
    public void GetNextOccurrence_FrequentExpressionNearOffsetChange_AgreesWithCronosUpToTheDocumentedDifferences() =>
        CronGen.Case(cronos: true, dense: true).Sample(CheckAgainstCronos, iter: 20_000, print: Print);

    [Theory]
    [InlineData("0 0 13 * 5", "2026-11-27T10:00:00Z", "2026-12-04T00:00:00Z")] // a Friday, not a 13th
    [InlineData("0 0 L * 1", "2026-11-27T10:00:00Z", "2026-11-30T00:00:00Z")]
    [InlineData("0 0 1W * 5L", "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z")] // 1W: the 1st is a Sunday
    public void Expected_EitherDayField_IsTheEarlierOfCronosForEachField(string expression, string after, string expected)
    {
        CronSpec spec = TextOnly(expression);
        DateTimeOffset from = DateTimeOffset.Parse(after, CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), Expected(spec, TimeZoneInfo.Utc, from));
        Assert.Equal(Expected(spec, TimeZoneInfo.Utc, from), CronExpression.Parse(expression).GetNextOccurrence(from, TimeZoneInfo.Utc));
    }

    private static void CheckAgainstCronos(CronSpec spec, string zoneId, DateTimeOffset after)
    {
        TimeZoneInfo zone = CronReference.Zone(zoneId);
        var ours = CronExpression.Parse(spec.Text, spec.Format);
        DateTimeOffset from = after;
        for (int i = 0; i < Chain; i++)
        {
            DateTimeOffset? expected = Expected(spec, zone, from);
            DateTimeOffset? actual = ours.GetNextOccurrence(from, zone);
            Assert.True(
                Nullable.Equals(expected, actual) && expected?.Offset == actual?.Offset,
                $"occurrence #{i + 1} after {Show(from)}: Cronos (adjusted) says {Show(expected)}, we say {Show(actual)}");
            if (actual is not { } next)
            {
                return;
            }

            from = next;
        }
    }

    /// <summary>What we must return, from Cronos's answers and the documented differences.</summary>
    private static DateTimeOffset? Expected(CronSpec spec, TimeZoneInfo zone, DateTimeOffset after)
    {
        CronosFormat format = spec.Format == CronFormat.IncludeSeconds ? CronosFormat.IncludeSeconds : CronosFormat.Standard;
        if (!spec.EitherDay)
        {
            return Next(CronosExpression.Parse(spec.Text, format), spec, zone, after);
        }

        // Difference 1: either day field may match.
        DateTimeOffset? byMonthDay = Next(CronosExpression.Parse(spec.FieldsText(dayOfWeek: "*"), format), spec, zone, after);
        DateTimeOffset? byWeekday = Next(CronosExpression.Parse(spec.FieldsText(dayOfMonth: "*"), format), spec, zone, after);
        return byMonthDay is null ? byWeekday : byWeekday is null ? byMonthDay : byMonthDay < byWeekday ? byMonthDay : byWeekday;
    }

    private static DateTimeOffset? Next(CronosExpression cronos, CronSpec spec, TimeZoneInfo zone, DateTimeOffset after)
    {
        DateTimeOffset? next = cronos.GetNextOccurrence(after, zone);

        // Difference 2: only the second field makes Cronos see an interval; a fixed time fires in the first pass only.
        bool secondsOnlyInterval = spec.FixedTime && spec.Second is { } second && second.Text.IndexOfAny(['*', '?', '-', '/']) >= 0;
        while (secondsOnlyInterval && next is { } candidate && CronReference.IsRepeated(zone, candidate.UtcTicks))
        {
            next = cronos.GetNextOccurrence(candidate, zone);
        }

        return next;
    }

    /// <summary>A five-field spec with texts only: enough for <see cref="Expected"/>, which reads no value sets.</summary>
    private static CronSpec TextOnly(string expression)
    {
        string[] f = expression.Split(' ');
        return new CronSpec(expression, CronFormat.Standard, null, new FieldSpec(f[0], []), new FieldSpec(f[1], []),
            new DayOfMonthSpec(f[2], DayOfMonthSpec.Rule.Set, [], 0), new FieldSpec(f[3], []),
            new DayOfWeekSpec(f[4], DayOfWeekSpec.Rule.Set, [], 0, 0));
    }

    private static string Print((CronSpec Spec, string ZoneId, DateTimeOffset After) t) => $"{t.Spec} in {t.ZoneId} after {Show(t.After)}";

    private static string Show(DateTimeOffset? instant) =>
        instant?.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture) ?? "null";
}
