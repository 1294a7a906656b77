using System.Globalization;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Daylight saving, the cron rules in README.md (Cron dialect): a local time in a spring-forward gap fires once at the first instant after the gap; in a
/// fall-back overlap a fixed-time expression fires once (first pass) and an interval expression fires in both passes.
/// </summary>
public partial class CronExpressionTests
{
    private static DateTimeOffset Local(string text) => DateTimeOffset.ParseExact(text, "yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);

    private static void AssertSequence(string expression, TimeZoneInfo zone, string from, string to, params string[] expected)
    {
        var cron = CronExpression.Parse(expression);
        string[] actual = [.. cron.GetOccurrences(Local(from), Local(to), zone).Select(o => o.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture))];
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void NewYork_SpringForward_FixedTimeInGap_FiresAtEndOfGap() =>
        AssertSequence("30 2 * * *", Zones.NewYork, "2024-03-09 00:00 -05:00", "2024-03-12 00:00 -04:00",
            "2024-03-09 02:30 -05:00", "2024-03-10 03:00 -04:00", "2024-03-11 02:30 -04:00");

    [Fact]
    public void NewYork_SpringForward_IntervalInGap_FiresOnceAtEndOfGap() =>
        AssertSequence("*/30 * * * *", Zones.NewYork, "2024-03-10 01:00 -05:00", "2024-03-10 04:00 -04:00",
            "2024-03-10 01:00 -05:00", "2024-03-10 01:30 -05:00", "2024-03-10 03:00 -04:00", "2024-03-10 03:30 -04:00");

    [Fact]
    public void NewYork_SpringForward_OccurrencesInGapAndAtItsEnd_Merge() =>
        AssertSequence("0 2,3 * * *", Zones.NewYork, "2024-03-10 00:00 -05:00", "2024-03-11 00:00 -04:00",
            "2024-03-10 03:00 -04:00");

    [Fact]
    public void NewYork_FallBack_FixedTime_FiresInFirstPassOnly() =>
        AssertSequence("30 1 * * *", Zones.NewYork, "2024-11-02 00:00 -04:00", "2024-11-05 00:00 -05:00",
            "2024-11-02 01:30 -04:00", "2024-11-03 01:30 -04:00", "2024-11-04 01:30 -05:00");

    [Fact]
    public void NewYork_FallBack_Hourly_FiresInBothPasses() =>
        AssertSequence("0 * * * *", Zones.NewYork, "2024-11-03 00:00 -04:00", "2024-11-03 03:00 -05:00",
            "2024-11-03 00:00 -04:00", "2024-11-03 01:00 -04:00", "2024-11-03 01:00 -05:00", "2024-11-03 02:00 -05:00");

    [Fact]
    public void NewYork_FallBack_StepInMinuteField_FiresInBothPasses() =>
        AssertSequence("*/30 1 * * *", Zones.NewYork, "2024-11-03 00:00 -04:00", "2024-11-04 00:00 -05:00",
            "2024-11-03 01:00 -04:00", "2024-11-03 01:30 -04:00", "2024-11-03 01:00 -05:00", "2024-11-03 01:30 -05:00");

    [Fact]
    public void NewYork_FallBack_RangeInHourField_FiresInBothPasses() =>
        AssertSequence("15 1-2 * * *", Zones.NewYork, "2024-11-03 00:00 -04:00", "2024-11-04 00:00 -05:00",
            "2024-11-03 01:15 -04:00", "2024-11-03 01:15 -05:00", "2024-11-03 02:15 -05:00");

    [Fact]
    public void NewYork_FallBack_FixedTimeSearchedFromSecondPass_WaitsForTomorrow()
    {
        var cron = CronExpression.Parse("30 1 * * *");
        Assert.Equal(Local("2024-11-04 01:30 -05:00"), cron.GetNextOccurrence(Local("2024-11-03 01:10 -05:00"), Zones.NewYork));
    }

    [Fact]
    public void NewYork_FallBack_IntervalSearchedFromSecondPass_ContinuesInSecondPass()
    {
        var cron = CronExpression.Parse("*/30 * * * *");
        Assert.Equal(Local("2024-11-03 01:30 -05:00"), cron.GetNextOccurrence(Local("2024-11-03 01:10 -05:00"), Zones.NewYork));
    }

    [Fact]
    public void Berlin_SpringForward_FixedTimeInGap_FiresAtThree() =>
        AssertSequence("30 2 * * *", Zones.Berlin, "2024-03-30 12:00 +01:00", "2024-04-01 12:00 +02:00",
            "2024-03-31 03:00 +02:00", "2024-04-01 02:30 +02:00");

    [Fact]
    public void Berlin_FallBack_FixedTimeList_FiresOnce() =>
        AssertSequence("0,30 2 * * *", Zones.Berlin, "2024-10-27 00:00 +02:00", "2024-10-28 00:00 +01:00",
            "2024-10-27 02:00 +02:00", "2024-10-27 02:30 +02:00");

    [Fact]
    public void Berlin_FallBack_Interval_FiresTwice() =>
        AssertSequence("*/30 2 * * *", Zones.Berlin, "2024-10-27 00:00 +02:00", "2024-10-28 00:00 +01:00",
            "2024-10-27 02:00 +02:00", "2024-10-27 02:30 +02:00", "2024-10-27 02:00 +01:00", "2024-10-27 02:30 +01:00");

    [Fact]
    public void LordHowe_HalfHourFallBack_FixedTime_FiresOnce() =>
        AssertSequence("45 1 * * *", Zones.LordHowe, "2024-04-06 12:00 +11:00", "2024-04-08 12:00 +10:30",
            "2024-04-07 01:45 +11:00", "2024-04-08 01:45 +10:30");

    [Fact]
    public void LordHowe_HalfHourFallBack_Interval_RepeatsOnlyTheHalfHour() =>
        AssertSequence("*/15 1 * * *", Zones.LordHowe, "2024-04-07 00:00 +11:00", "2024-04-07 03:00 +10:30",
            "2024-04-07 01:00 +11:00", "2024-04-07 01:15 +11:00", "2024-04-07 01:30 +11:00", "2024-04-07 01:45 +11:00",
            "2024-04-07 01:30 +10:30", "2024-04-07 01:45 +10:30");

    [Fact]
    public void LordHowe_HalfHourSpringForward_FiresAtEndOfGap() =>
        AssertSequence("15 2 * * *", Zones.LordHowe, "2024-10-05 12:00 +10:30", "2024-10-07 12:00 +11:00",
            "2024-10-06 02:30 +11:00", "2024-10-07 02:15 +11:00");

    [Fact]
    public void Chatham_SpringForwardAtQuarterToThree_FiresAtEndOfGap() =>
        AssertSequence("0 3 * * *", Zones.Chatham, "2024-09-28 12:00 +12:45", "2024-09-30 12:00 +13:45",
            "2024-09-29 03:45 +13:45", "2024-09-30 03:00 +13:45");

    [Fact]
    public void Chatham_FallBack_FixedTime_FiresOnce() =>
        AssertSequence("0 3 * * *", Zones.Chatham, "2024-04-06 12:00 +13:45", "2024-04-08 12:00 +12:45",
            "2024-04-07 03:00 +13:45", "2024-04-08 03:00 +12:45");

    [Fact]
    public void SaoPaulo_SpringForwardAtMidnight_DailyJobFiresAtOne() =>
        AssertSequence("0 0 * * *", Zones.SaoPaulo, "2018-11-03 12:00 -03:00", "2018-11-05 12:00 -02:00",
            "2018-11-04 01:00 -02:00", "2018-11-05 00:00 -02:00");

    [Fact]
    public void SaoPaulo_FallBackAtMidnight_LateEveningRepeats() =>
        AssertSequence("30 23 * * *", Zones.SaoPaulo, "2019-02-16 12:00 -02:00", "2019-02-17 12:00 -03:00",
            "2019-02-16 23:30 -02:00");

    [Fact]
    public void SaoPaulo_AfterDstWasAbolished_KeepsOneOffset() =>
        AssertSequence("0 12 1 * *", Zones.SaoPaulo, "2026-01-01 00:00 -03:00", "2027-01-01 00:00 -03:00",
            [.. Enumerable.Range(1, 12).Select(m => $"2026-{m:00}-01 12:00 -03:00")]);

    [Fact]
    public void Kolkata_NoDst_HalfHourOffset() =>
        AssertSequence("0 9 * * *", Zones.Kolkata, "2026-03-01 00:00 +05:30", "2026-03-03 00:00 +05:30",
            "2026-03-01 09:00 +05:30", "2026-03-02 09:00 +05:30");

    [Fact]
    public void Seconds_InOverlap_FollowMinuteAndHourRule()
    {
        // the cron rules in README.md (Cron dialect) looks only at the minute and hour fields: a fixed 01:30 fires in the first pass, whatever the seconds.
        var cron = CronExpression.Parse("*/20 30 1 * * *", CronFormat.IncludeSeconds);
        string[] actual = [.. cron.GetOccurrences(Local("2024-11-03 00:00 -04:00"), Local("2024-11-04 00:00 -05:00"), Zones.NewYork)
            .Select(o => o.ToString("HH:mm:ss zzz", CultureInfo.InvariantCulture))];
        Assert.Equal(["01:30:00 -04:00", "01:30:20 -04:00", "01:30:40 -04:00"], actual);
    }

    [Fact]
    public void SameInstant_InEveryZone_FixedOffsetsAgreeWithTimeZoneInfo()
    {
        var cron = CronExpression.Parse("0 */3 * * *");
        DateTimeOffset after = Local("2026-06-15 10:20 +00:00");
        foreach (TimeZoneInfo zone in Zones.All)
        {
            DateTimeOffset next = cron.GetNextOccurrence(after, zone)!.Value;
            Assert.Equal(zone.GetUtcOffset(next), next.Offset);
            DateTimeOffset wall = TimeZoneInfo.ConvertTime(next, zone);
            Assert.Equal(0, wall.Minute);
            Assert.Equal(0, wall.Hour % 3);
        }
    }
}
