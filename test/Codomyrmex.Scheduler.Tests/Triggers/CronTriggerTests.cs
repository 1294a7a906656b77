namespace Codomyrmex.Scheduler.Tests;

public class CronTriggerTests
{
    private static readonly DateTimeOffset Friday = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FromExpression_ParsesAndKeepsZone()
    {
        var trigger = CronTrigger.FromExpression("0 */2 * * *", Zones.Berlin);
        Assert.Equal(TriggerType.Cron, trigger.Type);
        Assert.Same(Zones.Berlin, trigger.TimeZone);
        Assert.Equal(CronExpression.Parse("0 */2 * * *"), trigger.Expression);
    }

    [Fact]
    public void FromExpression_Invalid_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => CronTrigger.FromExpression("0 */2 * *"));

    [Fact]
    public void FieldConstructor_NinethirtyOnWeekdays()
    {
        var trigger = new CronTrigger(minute: "30", hour: "9", dayOfWeek: "1-5", timeZone: TimeZoneInfo.Utc);
        Assert.Equal("30 9 * * 1-5", trigger.Expression.ToString());
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 30, 0, TimeSpan.Zero), trigger.GetNextRun(Friday));
    }

    [Fact]
    public void FieldConstructor_Defaults_EveryMinute() =>
        Assert.Equal(CronExpression.Parse("* * * * *"), new CronTrigger().Expression);

    [Fact]
    public void FieldConstructor_WithSecond_UsesSecondsFormat()
    {
        var trigger = new CronTrigger(second: "*/10", minute: "0", hour: "12");
        Assert.Equal(CronFormat.IncludeSeconds, trigger.Expression.Format);
        Assert.Equal("*/10 0 12 * * *", trigger.Expression.ToString());
    }

    [Fact]
    public void FieldConstructor_BadField_NamesTheField()
    {
        var error = Assert.Throws<FormatException>(() => new CronTrigger(hour: "25"));
        Assert.Contains("hour field", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 9 * * *")]
    [InlineData("")]
    public void FieldConstructor_WholeExpressionOrEmptyInAField_SaysWhatToDo(string minute)
    {
        var error = Assert.Throws<FormatException>(() => new CronTrigger(minute: minute));
        Assert.Contains("minute", error.Message, StringComparison.Ordinal);
        Assert.Contains("FromExpression", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FieldConstructor_NullField_ThrowsArgumentNull()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new CronTrigger(month: null!));
        Assert.Equal("month", error.ParamName);
    }

    [Fact]
    public void GetNextRun_UsesTheTriggersZone()
    {
        var trigger = CronTrigger.FromExpression("0 9 * * *", Zones.NewYork);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.FromHours(-5)), trigger.GetNextRun(Friday));
    }

    [Fact]
    public void GetNextRun_NeverExistingDate_ReturnsNull() =>
        Assert.Null(CronTrigger.FromExpression("0 0 30 2 *", TimeZoneInfo.Utc).GetNextRun(Friday));

    [Fact]
    public void ToString_ShowsExpressionAndZone() =>
        Assert.Equal("cron 0 9 * * 1-5 (Europe/Berlin)", CronTrigger.FromExpression("0 9 * * MON-FRI", Zones.Berlin).ToString());
}
