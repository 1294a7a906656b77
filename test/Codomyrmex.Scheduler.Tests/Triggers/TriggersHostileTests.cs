namespace Codomyrmex.Scheduler.Tests;

/// <summary>The other public entry points that take a user's text or numbers: each refuses bad input with its documented exception, naming it.</summary>
public class TriggersHostileTests
{
    private static readonly string Megabyte = new('1', 1 << 20);

    public static TheoryData<string, string> BadTimesOfDay() => new()
    {
        { "", "'' is not a time of day" },
        { "24:00", "'24:00' is not a time of day" },
        { "12:60", "'12:60' is not a time of day" },
        { "12:00:60", "'12:00:60' is not a time of day" },
        { "-1:00", "'-1:00' is not a time of day" },
        { "\uFF11\uFF12:00", "is not a time of day" },
        { "\u0661\u0662:00", "is not a time of day" },
        { "12:00\0", "is not a time of day" },
        { "\uD800:00", "is not a time of day" },
        { " 12:00", "is not a time of day" },
        { "12:00 PM", "is not a time of day" },
        { "1:2:3", "is not a time of day" },
        { Megabyte, "…' (1048576 characters) is not a time of day" },
    };

    [Theory]
    [MemberData(nameof(BadTimesOfDay))]
    public void At_BadTime_FormatExceptionNamingIt(string time, string expected) =>
        TriggerJsonHostileTests.AssertRefused(() => Triggers.At(time, TimeZoneInfo.Utc), expected);

    public static TheoryData<string, string> BadSchedules() => new()
    {
        { "", "is empty" },
        { "\0", "has 1 field" },
        { "@every", "has no duration after @every" },
        { "@every 0s", "the interval must be positive" },
        { "@every -1s", "is invalid" },
        { "@every 10675200d", "longer than the longest duration" },
        { "@every 99999999999999999999s", "is invalid" },
        { "@every 1x", "is invalid" },
        { "@every \uD800", "is invalid" },
        { "@yearly2", "is not a macro" },
        { "* * * * * * *", "has 7 fields" },
        { "\uD800 * * * *", "minute" },
        { "* * * * \u0661", "day-of-week" },
        { Megabyte, "(1048576 characters) has 1 field" },
        { "* * * * " + Megabyte, "(1048576 characters)" },
        { "@every " + Megabyte + "s", "(1048584 characters) is invalid" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public void Parse_BadSchedule_FormatExceptionNamingIt(string schedule, string expected) =>
        TriggerJsonHostileTests.AssertRefused(() => Triggers.Parse(schedule), expected);

    [Theory]
    [InlineData("\uD800", "*", "minute")]
    [InlineData("*", "25", "hour")]
    [InlineData("*", "*/0", "hour")]
    [InlineData("99999999999999999999", "*", "minute")]
    public void CronTriggerFields_Bad_FormatExceptionNamingTheField(string minute, string hour, string field)
    {
        var error = Assert.Throws<FormatException>(() => new CronTrigger(minute: minute, hour: hour));
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<object>, string> BadIntervals() => new()
    {
        { "days past TimeSpan", () => new IntervalTrigger(days: int.MaxValue), "days" },
        { "all parts at their largest", () => new IntervalTrigger(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue), "days" },
        { "negative seconds", () => new IntervalTrigger(seconds: -1), "seconds" },
        { "negative days", () => new IntervalTrigger(days: int.MinValue), "days" },
        { "zero", () => new IntervalTrigger(), "seconds" },
        { "TimeSpan.MinValue", () => new IntervalTrigger(TimeSpan.MinValue), "interval" },
        { "TimeSpan.Zero", () => Triggers.Every(TimeSpan.Zero), "interval" },
    };

    [Theory]
    [MemberData(nameof(BadIntervals))]
    public void IntervalTrigger_BadInterval_ArgumentOutOfRangeNamingIt(string name, Func<object> create, string parameter)
    {
        _ = name;
        var error = Assert.Throws<ArgumentOutOfRangeException>(create);
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void IntervalTrigger_EndBeforeStart_ArgumentExceptionNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new IntervalTrigger(TimeSpan.FromSeconds(1), DateTimeOffset.MaxValue, DateTimeOffset.MinValue));
        Assert.Equal("endTime", error.ParamName);
        Assert.Contains("9999-12-31", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntervalTrigger_AtTheEndsOfTime_NextRunIsNullOrLater()
    {
        var lastStart = new IntervalTrigger(TimeSpan.MaxValue, DateTimeOffset.MaxValue);
        Assert.Equal(DateTimeOffset.MaxValue, lastStart.GetNextRun(DateTimeOffset.MinValue));
        Assert.Null(lastStart.GetNextRun(DateTimeOffset.MaxValue));
        var fromTheStart = new IntervalTrigger(TimeSpan.FromTicks(1), DateTimeOffset.MinValue);
        Assert.Null(fromTheStart.GetNextRun(DateTimeOffset.MaxValue));
        Assert.Equal(DateTimeOffset.MinValue.AddTicks(1), fromTheStart.GetNextRun(DateTimeOffset.MinValue));
        Assert.Null(new OnceTrigger(DateTimeOffset.MinValue).GetNextRun(DateTimeOffset.MinValue));
    }
}
