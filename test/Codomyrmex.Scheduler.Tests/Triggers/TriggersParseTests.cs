namespace Codomyrmex.Scheduler.Tests;

public class TriggersParseTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Parse_FiveFields_IsAStandardCronTrigger()
    {
        var trigger = Assert.IsType<CronTrigger>(Triggers.Parse("*/5 * * * *"));
        Assert.Equal(CronFormat.Standard, trigger.Expression.Format);
        Assert.Equal("*/5 * * * *", trigger.Expression.ToString());
        Assert.Null(trigger.TimeZone);
    }

    [Fact]
    public void Parse_SixFields_HasALeadingSecondsField()
    {
        var trigger = Assert.IsType<CronTrigger>(Triggers.Parse("30 */5 * * * *", TimeZoneInfo.Utc));
        Assert.Equal(CronFormat.IncludeSeconds, trigger.Expression.Format);
        Assert.Equal(Midnight.AddSeconds(30), trigger.GetNextRun(Midnight));
        Assert.Equal(Midnight.AddMinutes(5).AddSeconds(30), trigger.GetNextRun(Midnight.AddSeconds(30)));
    }

    [Fact]
    public void Parse_WithAZone_EvaluatesInThatZone()
    {
        var trigger = Assert.IsType<CronTrigger>(Triggers.Parse("  0 9 * * MON-FRI\t", Zones.NewYork));
        Assert.Same(Zones.NewYork, trigger.TimeZone);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(-5)), trigger.GetNextRun(Midnight));
    }

    [Theory]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@HOURLY", "0 * * * *")]
    [InlineData(" @weekly ", "0 0 * * 0")]
    [InlineData("@yearly", "0 0 1 1 *")]
    public void Parse_Macro_IsAStandardCronTrigger(string schedule, string expression)
    {
        var trigger = Assert.IsType<CronTrigger>(Triggers.Parse(schedule, Zones.Berlin));
        Assert.Equal(expression, trigger.Expression.ToString());
        Assert.Same(Zones.Berlin, trigger.TimeZone);
    }

    [Theory]
    [InlineData("@every 30s", 30 * TimeSpan.TicksPerSecond)]
    [InlineData("@every 1h30m", 90 * TimeSpan.TicksPerMinute)]
    [InlineData("@every 500ms", 500 * TimeSpan.TicksPerMillisecond)]
    [InlineData("@every 1d12h", 36 * TimeSpan.TicksPerHour)]
    [InlineData("@every 01:30:00", 90 * TimeSpan.TicksPerMinute)]
    [InlineData("  @EVERY \t 5m ", 5 * TimeSpan.TicksPerMinute)]
    public void Parse_Every_IsAnUnanchoredIntervalTrigger(string schedule, long ticks)
    {
        var trigger = Assert.IsType<IntervalTrigger>(Triggers.Parse(schedule, Zones.Berlin));
        Assert.Equal(ticks, trigger.Interval.Ticks);
        Assert.Null(trigger.StartTime);
        Assert.Null(trigger.EndTime);
    }

    [Theory]
    [InlineData("", "The schedule \"\" is empty; use a cron expression such as */5 * * * *, a macro such as @daily, or @every 30s.")]
    [InlineData(" \t", "The schedule \" \t\" is empty; use a cron expression such as */5 * * * *, a macro such as @daily, or @every 30s.")]
    [InlineData("@every", "The schedule \"@every\" has no duration after @every; for example @every 30s or @every 1h30m.")]
    [InlineData("@every  ", "The schedule \"@every  \" has no duration after @every; for example @every 30s or @every 1h30m.")]
    [InlineData("@every 0s", "The schedule \"@every 0s\" is invalid: the interval must be positive, not 0s.")]
    [InlineData("@every -5m", "The schedule \"@every -5m\" is invalid: the duration \"-5m\" is invalid: a duration must not be negative.")]
    [InlineData(
        "@every 5 minutes",
        "The schedule \"@every 5 minutes\" is invalid: the duration \"5 minutes\" is invalid: \"5\" has no unit; use d, h, m, s or ms, " +
        "for example 30s, 1h30m, 500ms or 1.02:00:00.")]
    [InlineData(
        "@every5m",
        "The schedule \"@every5m\" is not a macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>.")]
    [InlineData(
        "@fortnightly",
        "The schedule \"@fortnightly\" is not a macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>.")]
    [InlineData(
        "daily",
        "The schedule \"daily\" has 1 field; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (second first). " +
        "Other schedules are a macro such as @daily, or @every <duration>.")]
    [InlineData(
        "* * * *",
        "The schedule \"* * * *\" has 4 fields; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (second first). " +
        "Other schedules are a macro such as @daily, or @every <duration>.")]
    [InlineData(
        "0 0 9 * * * 2026",
        "The schedule \"0 0 9 * * * 2026\" has 7 fields; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (second first). " +
        "Other schedules are a macro such as @daily, or @every <duration>.")]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheSchedule(string schedule, string message)
    {
        var error = Assert.Throws<FormatException>(() => Triggers.Parse(schedule));
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("0 25 * * *", "hour field", "'25'")]
    [InlineData("61 0 25 * * *", "second field", "'61'")]
    [InlineData("0 9 * * FUNDAY", "day-of-week field", "'FUNDAY'")]
    public void Parse_BadCronField_IsTheCronEnginesMessage(string schedule, string field, string token)
    {
        var error = Assert.Throws<FormatException>(() => Triggers.Parse(schedule));
        Assert.Contains(schedule, error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Contains(token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Null_Throws() => Assert.Throws<ArgumentNullException>(() => Triggers.Parse(null!));
}
