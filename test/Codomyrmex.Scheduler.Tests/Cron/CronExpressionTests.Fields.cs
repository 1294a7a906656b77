using System.Globalization;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Tables in the style of Cronos's suite: an expression, an instant, and the next occurrence in UTC.</summary>
public partial class CronExpressionTests
{
    private static DateTimeOffset Utc(string text) =>
        DateTimeOffset.ParseExact(text, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static void AssertNext(string expression, string after, string? expected, CronFormat format = CronFormat.Standard)
    {
        var cron = CronExpression.Parse(expression, format);
        DateTimeOffset? next = cron.GetNextOccurrence(Utc(after), TimeZoneInfo.Utc);
        Assert.Equal(expected is null ? null : Utc(expected), next);
    }

    [Theory]
    [InlineData("* * * * * *", "2026-01-01 00:00:00", "2026-01-01 00:00:01")]
    [InlineData("0 * * * * *", "2026-01-01 00:00:00", "2026-01-01 00:01:00")]
    [InlineData("30 * * * * *", "2026-01-01 00:00:30", "2026-01-01 00:01:30")]
    [InlineData("*/20 * * * * *", "2026-01-01 00:00:41", "2026-01-01 00:01:00")]
    [InlineData("5-7 * * * * *", "2026-01-01 00:00:06", "2026-01-01 00:00:07")]
    [InlineData("58-2 * * * * *", "2026-01-01 00:00:59", "2026-01-01 00:01:00")]
    [InlineData("58-2 * * * * *", "2026-01-01 00:01:02", "2026-01-01 00:01:58")]
    [InlineData("10/25 * * * * *", "2026-01-01 00:00:36", "2026-01-01 00:01:10")]
    [InlineData("1,3,59 * * * * *", "2026-01-01 00:00:58", "2026-01-01 00:00:59")]
    public void Seconds(string expression, string after, string expected) => AssertNext(expression, after, expected, CronFormat.IncludeSeconds);

    [Theory]
    [InlineData("* * * * *", "2026-01-01 00:00:00", "2026-01-01 00:01")]
    [InlineData("* * * * *", "2026-01-01 00:00:59", "2026-01-01 00:01")]
    [InlineData("0 * * * *", "2026-01-01 00:00", "2026-01-01 01:00")]
    [InlineData("59 * * * *", "2026-01-01 00:59", "2026-01-01 01:59")]
    [InlineData("*/15 * * * *", "2026-01-01 00:07", "2026-01-01 00:15")]
    [InlineData("*/15 * * * *", "2026-01-01 00:45", "2026-01-01 01:00")]
    [InlineData("5-10 * * * *", "2026-01-01 00:10", "2026-01-01 01:05")]
    [InlineData("5-10/2 * * * *", "2026-01-01 00:06", "2026-01-01 00:07")]
    [InlineData("50-10/7 * * * *", "2026-01-01 00:51", "2026-01-01 00:57")]
    [InlineData("50-10/7 * * * *", "2026-01-01 00:57", "2026-01-01 01:04")]
    [InlineData("50-10/7 * * * *", "2026-01-01 01:04", "2026-01-01 01:50")]
    [InlineData("7/20 * * * *", "2026-01-01 00:28", "2026-01-01 00:47")]
    [InlineData("7/20 * * * *", "2026-01-01 00:47", "2026-01-01 01:07")]
    [InlineData("1,2,30-32 * * * *", "2026-01-01 00:02", "2026-01-01 00:30")]
    [InlineData("0,0,0 * * * *", "2026-01-01 00:00", "2026-01-01 01:00")]
    public void Minutes(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("0 * * * *", "2026-01-01 23:00", "2026-01-02 00:00")]
    [InlineData("0 9 * * *", "2026-01-01 09:00", "2026-01-02 09:00")]
    [InlineData("0 9 * * *", "2026-01-01 08:59:59", "2026-01-01 09:00")]
    [InlineData("30 */6 * * *", "2026-01-01 06:31", "2026-01-01 12:30")]
    [InlineData("0 22-2 * * *", "2026-01-01 02:00", "2026-01-01 22:00")]
    [InlineData("0 22-2 * * *", "2026-01-01 23:00", "2026-01-02 00:00")]
    [InlineData("0 9-17/4 * * *", "2026-01-01 13:00", "2026-01-01 17:00")]
    [InlineData("0 0 * * *", "2026-12-31 00:00", "2027-01-01 00:00")]
    public void Hours(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("0 0 1 * *", "2026-01-01 00:00", "2026-02-01 00:00")]
    [InlineData("0 0 31 * *", "2026-01-31 00:00", "2026-03-31 00:00")]
    [InlineData("0 0 29 * *", "2026-01-29 00:00", "2026-03-29 00:00")]
    [InlineData("0 0 29 * *", "2028-01-29 00:00", "2028-02-29 00:00")]
    [InlineData("0 0 29 2 *", "2026-01-01 00:00", "2028-02-29 00:00")]
    [InlineData("0 0 29 2 *", "2096-03-01 00:00", "2104-02-29 00:00")]
    [InlineData("0 0 */10 * *", "2026-01-11 00:00", "2026-01-21 00:00")]
    [InlineData("0 0 */10 * *", "2026-01-31 00:00", "2026-02-01 00:00")]
    [InlineData("0 0 28-2 * *", "2026-02-28 00:00", "2026-03-01 00:00")]
    [InlineData("0 0 ? * *", "2026-01-01 00:00", "2026-01-02 00:00")]
    public void DaysOfMonth(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("0 0 L * *", "2026-01-01 00:00", "2026-01-31 00:00")]
    [InlineData("0 0 L * *", "2026-02-01 00:00", "2026-02-28 00:00")]
    [InlineData("0 0 L * *", "2028-02-01 00:00", "2028-02-29 00:00")]
    [InlineData("0 0 L-1 * *", "2026-04-01 00:00", "2026-04-29 00:00")]
    [InlineData("0 0 L-30 * *", "2026-02-01 00:00", "2026-03-01 00:00")]
    [InlineData("0 0 l * *", "2026-06-30 00:00", "2026-07-31 00:00")]
    [InlineData("0 0 LW * *", "2026-01-01 00:00", "2026-01-30 00:00")] // Jan 31 2026 is a Saturday
    [InlineData("0 0 LW * *", "2026-05-01 00:00", "2026-05-29 00:00")] // May 31 2026 is a Sunday
    [InlineData("0 0 LW * *", "2026-06-01 00:00", "2026-06-30 00:00")] // a Tuesday
    [InlineData("0 0 15W * *", "2026-08-01 00:00", "2026-08-14 00:00")] // Aug 15 2026 is a Saturday
    [InlineData("0 0 15W * *", "2026-11-01 00:00", "2026-11-16 00:00")] // Nov 15 2026 is a Sunday
    [InlineData("0 0 1W * *", "2026-07-31 00:00", "2026-08-03 00:00")] // Aug 1 2026 is a Saturday: Monday the 3rd, never July
    [InlineData("0 0 31W * *", "2026-05-01 00:00", "2026-05-29 00:00")] // May 31 2026 is a Sunday: Friday the 29th
    [InlineData("0 0 31W * *", "2026-04-01 00:00", "2026-05-29 00:00")] // no 31st in April
    [InlineData("0 0 10w * *", "2026-01-01 00:00", "2026-01-09 00:00")] // Jan 10 2026 is a Saturday
    public void DayOfMonthExtensions(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("0 0 1 1 *", "2026-01-01 00:00", "2027-01-01 00:00")]
    [InlineData("0 0 1 JAN *", "2026-01-01 00:00", "2027-01-01 00:00")]
    [InlineData("0 0 1 jan-mar *", "2026-03-01 00:00", "2027-01-01 00:00")]
    [InlineData("0 0 1 Nov-Feb *", "2026-02-02 00:00", "2026-11-01 00:00")]
    [InlineData("0 0 1 */5 *", "2026-06-01 00:00", "2026-11-01 00:00")]
    [InlineData("0 0 1 2/3 *", "2026-03-01 00:00", "2026-05-01 00:00")]
    [InlineData("0 0 31 1,3,APR *", "2026-02-01 00:00", "2026-03-31 00:00")]
    public void Months(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("0 0 * * 0", "2026-11-27 00:00", "2026-11-29 00:00")] // Friday → Sunday
    [InlineData("0 0 * * 7", "2026-11-27 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * SUN", "2026-11-27 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * sun", "2026-11-27 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * 1-5", "2026-11-27 00:00", "2026-11-30 00:00")]
    [InlineData("0 0 * * MON-FRI", "2026-11-26 00:00", "2026-11-27 00:00")]
    [InlineData("0 0 * * FRI-MON", "2026-11-24 00:00", "2026-11-27 00:00")]
    [InlineData("0 0 * * FRI-MON", "2026-11-28 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * FRI-MON", "2026-11-29 00:00", "2026-11-30 00:00")]
    [InlineData("0 0 * * 5-7", "2026-11-28 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * 7-2", "2026-11-30 00:00", "2026-12-01 00:00")]
    [InlineData("0 0 * * 1/2", "2026-11-27 00:00", "2026-11-29 00:00")] // Mon, Wed, Fri, Sun
    [InlineData("0 0 * * */2", "2026-11-27 00:00", "2026-11-28 00:00")] // Sun, Tue, Thu, Sat
    [InlineData("0 0 * * 6,0", "2026-11-27 00:00", "2026-11-28 00:00")]
    [InlineData("0 0 ? * 3", "2026-11-27 00:00", "2026-12-02 00:00")]
    public void DaysOfWeek(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("0 0 * * 5L", "2026-11-01 00:00", "2026-11-27 00:00")]
    [InlineData("0 0 * * FRIL", "2026-11-27 00:00", "2026-12-25 00:00")]
    [InlineData("0 0 * * 0L", "2026-11-01 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * 7L", "2026-11-01 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * 1#1", "2026-11-27 00:00", "2026-12-07 00:00")]
    [InlineData("0 0 * * MON#2", "2026-11-01 00:00", "2026-11-09 00:00")]
    [InlineData("0 0 * * 4#4", "2026-11-01 00:00", "2026-11-26 00:00")] // Thanksgiving
    [InlineData("0 0 * * 0#5", "2026-11-01 00:00", "2026-11-29 00:00")]
    [InlineData("0 0 * * 1#5", "2026-11-01 00:00", "2026-11-30 00:00")]
    [InlineData("0 0 * * 2#5", "2026-11-01 00:00", "2026-12-29 00:00")] // November 2026 has four Tuesdays
    public void DayOfWeekExtensions(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("0 0 13 * 5", "2026-11-01 00:00", "2026-11-06 00:00")] // either: a Friday comes first
    [InlineData("0 0 13 * 5", "2026-11-06 00:00", "2026-11-13 00:00")] // the 13th (also a Friday)
    [InlineData("0 0 13 * 5", "2026-11-13 00:00", "2026-11-20 00:00")]
    [InlineData("0 0 1 * MON", "2026-11-27 00:00", "2026-11-30 00:00")]
    [InlineData("0 0 1 * MON", "2026-11-30 00:00", "2026-12-01 00:00")]
    [InlineData("0 0 L * 3", "2026-11-26 00:00", "2026-11-30 00:00")] // last day or any Wednesday
    [InlineData("0 0 1-7 * 1", "2026-11-08 00:00", "2026-11-09 00:00")] // a range is restricted: either
    [InlineData("0 0 */2 * 1", "2026-11-01 00:00", "2026-11-09 00:00")] // begins with '*': both (odd days that are Mondays)
    [InlineData("0 0 */2 * 1", "2026-11-09 00:00", "2026-11-23 00:00")]
    [InlineData("0 0 1 * */2", "2026-11-01 00:00", "2026-12-01 00:00")] // both: the 1st on a Sunday, Tuesday, Thursday or Saturday
    [InlineData("0 0 1 * */2", "2026-12-01 00:00", "2027-04-01 00:00")] // Jan, Feb and Mar 2027 begin on Fri, Mon, Mon
    [InlineData("0 0 13 * 0-6", "2026-11-27 00:00", "2026-11-28 00:00")] // either, and every weekday matches: every day
    [InlineData("0 0 ? * 1", "2026-11-27 00:00", "2026-11-30 00:00")]
    [InlineData("0 0 13 * ?", "2026-11-27 00:00", "2026-12-13 00:00")]
    [InlineData("0 0 13 * *", "2026-11-27 00:00", "2026-12-13 00:00")]
    [InlineData("0 0 * * 5", "2026-11-27 00:00", "2026-12-04 00:00")]
    public void DayOfMonthOrDayOfWeek(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Theory]
    [InlineData("@yearly", "2026-06-01 00:00", "2027-01-01 00:00")]
    [InlineData("@annually", "2026-06-01 00:00", "2027-01-01 00:00")]
    [InlineData("@monthly", "2026-06-01 00:00", "2026-07-01 00:00")]
    [InlineData("@weekly", "2026-11-27 00:00", "2026-11-29 00:00")]
    [InlineData("@daily", "2026-11-27 00:00", "2026-11-28 00:00")]
    [InlineData("@midnight", "2026-11-27 12:00", "2026-11-28 00:00")]
    [InlineData("@hourly", "2026-11-27 12:00", "2026-11-27 13:00")]
    [InlineData("@HOURLY", "2026-11-27 12:30", "2026-11-27 13:00")]
    public void Macros(string expression, string after, string expected) => AssertNext(expression, after, expected);

    [Fact]
    public void Macros_WithSeconds_FireAtSecondZero() =>
        AssertNext("@hourly", "2026-11-27 12:00:00", "2026-11-27 13:00:00", CronFormat.IncludeSeconds);

    [Theory]
    [InlineData("0 0 30 2 *")]
    [InlineData("0 0 31 4,6,9,11 *")]
    [InlineData("0 0 31 2 ?")]
    [InlineData("0 0 L-30 2 *")]
    [InlineData("0 0 30W 2 *")]
    [InlineData("0 0 */30 2 2#5")] // only Feb 1 with '*': a fifth Tuesday in February never falls on the 1st
    public void GetNextOccurrence_DateThatNeverExists_ReturnsNull(string expression)
    {
        var cron = CronExpression.Parse(expression);
        foreach (TimeZoneInfo zone in Zones.All)
        {
            Assert.Null(cron.GetNextOccurrence(Utc("2026-01-01 00:00"), zone));
        }
    }

    [Fact]
    public void GetNextOccurrence_IsStrictlyAfter()
    {
        AssertNext("0 9 * * *", "2026-01-01 09:00:00", "2026-01-02 09:00");
        AssertNext("0 9 * * *", "2026-01-01 08:59:59", "2026-01-01 09:00");
        var cron = CronExpression.Parse("0 9 * * *");
        DateTimeOffset justBefore = Utc("2026-01-01 09:00").AddTicks(-1);
        Assert.Equal(Utc("2026-01-01 09:00"), cron.GetNextOccurrence(justBefore, TimeZoneInfo.Utc));
        DateTimeOffset justAfter = Utc("2026-01-01 09:00").AddTicks(1);
        Assert.Equal(Utc("2026-01-02 09:00"), cron.GetNextOccurrence(justAfter, TimeZoneInfo.Utc));
    }

    [Fact]
    public void GetNextOccurrence_ReturnsOffsetOfZone()
    {
        var cron = CronExpression.Parse("0 9 * * *");
        DateTimeOffset? next = cron.GetNextOccurrence(Utc("2026-07-01 00:00"), Zones.Berlin);
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.FromHours(2)), next);
        Assert.Equal(TimeSpan.FromHours(2), next!.Value.Offset);
    }

    [Fact]
    public void GetNextOccurrence_NearTheEndOfTime_ReturnsNull()
    {
        var cron = CronExpression.Parse("0 0 1 1 *");
        Assert.Null(cron.GetNextOccurrence(new DateTimeOffset(9999, 6, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc));
        Assert.Null(cron.GetNextOccurrence(DateTimeOffset.MaxValue, Zones.NewYork));
        Assert.Equal(Utc("0001-02-01 00:00"), CronExpression.Parse("0 0 1 * *").GetNextOccurrence(DateTimeOffset.MinValue, TimeZoneInfo.Utc));
    }

    [Fact]
    public void GetNextOccurrence_NullZone_Throws() =>
        Assert.Throws<ArgumentNullException>(() => CronExpression.Parse("* * * * *").GetNextOccurrence(Utc("2026-01-01 00:00"), null!));

    [Fact]
    public void GetOccurrences_IncludesFromExcludesTo()
    {
        var cron = CronExpression.Parse("0 * * * *");
        DateTimeOffset[] all = [.. cron.GetOccurrences(Utc("2026-01-01 00:00"), Utc("2026-01-01 03:00"), TimeZoneInfo.Utc)];
        Assert.Equal([Utc("2026-01-01 00:00"), Utc("2026-01-01 01:00"), Utc("2026-01-01 02:00")], all);
    }

    [Fact]
    public void GetOccurrences_NullZone_ThrowsEagerly() =>
        Assert.Throws<ArgumentNullException>(() => CronExpression.Parse("* * * * *").GetOccurrences(Utc("2026-01-01 00:00"), Utc("2026-01-02 00:00"), null!));

    [Fact]
    public void WeekdaysAtNine_OverAWeek_FiresFiveTimes()
    {
        var cron = CronExpression.Parse("0 9 * * 1-5");
        DateTimeOffset[] week = [.. cron.GetOccurrences(Utc("2026-11-23 00:00"), Utc("2026-11-30 00:00"), TimeZoneInfo.Utc)];
        Assert.Equal(5, week.Length);
        Assert.All(week, occurrence => Assert.Equal(9, occurrence.Hour));
    }
}
