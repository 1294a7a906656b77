using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

public class IntervalTriggerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Constructor_FromParts_AddsThemUp()
    {
        var trigger = new IntervalTrigger(seconds: 5, minutes: 30, hours: 2, days: 1);
        Assert.Equal(new TimeSpan(1, 2, 30, 5), trigger.Interval);
        Assert.Equal(TriggerType.Interval, trigger.Type);
    }

    [Fact]
    public void IntervalSeconds_IsTotalSeconds() => Assert.Equal(1800, new IntervalTrigger(minutes: 30).IntervalSeconds);

    [Theory]
    [InlineData(0, 0, 0, 0, "seconds")]
    [InlineData(-1, 0, 0, 0, "seconds")]
    [InlineData(0, -5, 0, 0, "minutes")]
    [InlineData(0, 0, -1, 1, "hours")]
    [InlineData(0, 0, 0, -1, "days")]
    public void Constructor_ZeroOrNegative_ThrowsNamingTheParameter(int seconds, int minutes, int hours, int days, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IntervalTrigger(seconds, minutes, hours, days));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Constructor_TooLong_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new IntervalTrigger(days: int.MaxValue, hours: int.MaxValue));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Constructor_NonPositiveTimeSpan_Throws(long ticks) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new IntervalTrigger(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Constructor_EndBeforeStart_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new IntervalTrigger(minutes: 1, startTime: Start, endTime: Start.AddSeconds(-1)));
        Assert.Equal("endTime", error.ParamName);
    }

    [Fact]
    public void GetNextRun_WithoutStart_IsOneIntervalAfter() =>
        Assert.Equal(Start.AddMinutes(30), new IntervalTrigger(minutes: 30).GetNextRun(Start));

    [Fact]
    public void GetNextRun_FutureStart_IsTheStartItself()
    {
        var trigger = new IntervalTrigger(minutes: 30, startTime: Start.AddHours(1));
        Assert.Equal(Start.AddHours(1), trigger.GetNextRun(Start));
    }

    [Fact]
    public void GetNextRun_LateCaller_StaysOnTheGrid()
    {
        var trigger = new IntervalTrigger(minutes: 30, startTime: Start);
        Assert.Equal(Start.AddMinutes(30), trigger.GetNextRun(Start));
        Assert.Equal(Start.AddMinutes(90), trigger.GetNextRun(Start.AddMinutes(61).AddSeconds(7)));
        Assert.Equal(Start.AddMinutes(90), trigger.GetNextRun(Start.AddMinutes(60)));
    }

    [Fact]
    public void GetNextRun_EndTime_IsInclusive()
    {
        var trigger = new IntervalTrigger(hours: 1, startTime: Start, endTime: Start.AddHours(2));
        Assert.Equal(Start.AddHours(2), trigger.GetNextRun(Start.AddHours(1)));
        Assert.Null(trigger.GetNextRun(Start.AddHours(2)));
    }

    [Fact]
    public void GetNextRun_KeepsTheAnchorsOffset()
    {
        var anchor = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.FromHours(5.5));
        DateTimeOffset next = new IntervalTrigger(hours: 1, startTime: anchor).GetNextRun(anchor)!.Value;
        Assert.Equal(TimeSpan.FromHours(5.5), next.Offset);
        Assert.Equal(10, next.Hour);
    }

    [Fact]
    public void GetNextRun_IgnoresDaylightSaving()
    {
        // An interval is elapsed time: 24 hours across the New York spring-forward is 01:00 EDT the next day.
        var anchor = new DateTimeOffset(2024, 3, 9, 0, 0, 0, TimeSpan.FromHours(-5));
        DateTimeOffset next = new IntervalTrigger(days: 1, startTime: anchor).GetNextRun(anchor.AddHours(1))!.Value;
        Assert.Equal(TimeSpan.FromDays(1), next - anchor);
    }

    [Fact]
    public void GetNextRun_NearTheEndOfTime_ReturnsNull()
    {
        var trigger = new IntervalTrigger(TimeSpan.FromDays(365), startTime: Start);
        Assert.Null(trigger.GetNextRun(DateTimeOffset.MaxValue.AddDays(-100)));
        Assert.Null(new IntervalTrigger(TimeSpan.MaxValue).GetNextRun(Start));
    }

    [Fact]
    public void GetNextRun_Property_RunsAreOnTheAnchoredGridAndStrictlyLater()
    {
        Gen.Select(Gen.Long[1, TimeSpan.TicksPerDay * 40], Gen.Long[0, TimeSpan.TicksPerDay * 3650], Gen.Long[-TimeSpan.TicksPerDay * 10, TimeSpan.TicksPerDay * 3650])
            .Sample((interval, startOffset, afterOffset) =>
            {
                DateTimeOffset start = Start.AddTicks(startOffset);
                DateTimeOffset after = start.AddTicks(afterOffset);
                var trigger = new IntervalTrigger(TimeSpan.FromTicks(interval), startTime: start);
                DateTimeOffset next = trigger.GetNextRun(after)!.Value;
                long k = (next - start).Ticks / interval;
                return next > after
                    && (next - start).Ticks % interval == 0
                    && k >= 0
                    && (k == 0 || start.AddTicks((k - 1) * interval) <= after);
            });
    }

    [Theory]
    [InlineData(30, 0, 0, "every 30s")]
    [InlineData(0, 90, 0, "every 1h30m")]
    [InlineData(0, 0, 48, "every 2d")]
    public void ToString_IsReadable(int seconds, int minutes, int hours, string expected) =>
        Assert.Equal(expected, new IntervalTrigger(seconds, minutes, hours).ToString());
}
