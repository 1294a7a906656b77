namespace Codomyrmex.Scheduler.Tests;

/// <summary>Canonical text, equality and the properties that the text carries.</summary>
public partial class CronExpressionTests
{
    [Theory]
    [InlineData("* * * * *", "* * * * *")]
    [InlineData("0 9 * * MON-FRI", "0 9 * * 1-5")]
    [InlineData("0   9 * *  mon-fri", "0 9 * * 1-5")]
    [InlineData("*/15 * * * *", "*/15 * * * *")]
    [InlineData("0-59/15 * * * *", "*/15 * * * *")]
    [InlineData("0,15,30,45 * * * *", "*/15 * * * *")]
    [InlineData("0,15,30,45 9 * * *", "0,15,30,45 9 * * *")] // fixed time stays a list
    [InlineData("5 1-1 * * *", "5-5 1 * * *")] // an interval stays an interval
    [InlineData("0 22-2 * * *", "0 0-2,22,23 * * *")]
    [InlineData("0 0 ? * ?", "0 0 * * *")]
    [InlineData("0 0 */10 * *", "0 0 */10 * *")]
    [InlineData("0 0 */2,4 * *", "0 0 */2,4 * *")]
    [InlineData("0 0 1-31 * *", "0 0 1-31 * *")] // not '*': the either-rule still applies with a restricted day-of-week
    [InlineData("0 0 * * 0-7", "0 0 * * 0-6")]
    [InlineData("0 0 * * 7", "0 0 * * 0")]
    [InlineData("0 0 * * FRI-MON", "0 0 * * 0,1,5,6")]
    [InlineData("0 0 * JAN-DEC *", "0 0 * * *")]
    [InlineData("0 0 * JAN,MAR *", "0 0 * 1,3 *")]
    [InlineData("0 0 L * *", "0 0 L * *")]
    [InlineData("0 0 L-0 * *", "0 0 L * *")]
    [InlineData("0 0 L-3 * *", "0 0 L-3 * *")]
    [InlineData("0 0 lw * *", "0 0 LW * *")]
    [InlineData("0 0 15w * *", "0 0 15W * *")]
    [InlineData("0 0 * * FRIL", "0 0 * * 5L")]
    [InlineData("0 0 * * 7L", "0 0 * * 0L")]
    [InlineData("0 0 * * mon#2", "0 0 * * 1#2")]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("@hourly", "0 * * * *")]
    [InlineData("@yearly", "0 0 1 1 *")]
    public void ToString_IsCanonical(string expression, string canonical)
    {
        var cron = CronExpression.Parse(expression);
        Assert.Equal(canonical, cron.ToString());
        Assert.Equal(cron, CronExpression.Parse(canonical));
    }

    [Theory]
    [InlineData("*/10 * * * * *", "*/10 * * * * *")]
    [InlineData("0 30 9 * * *", "0 30 9 * * *")]
    [InlineData("@hourly", "0 0 * * * *")]
    public void ToString_WithSeconds_HasSixFields(string expression, string canonical)
    {
        var cron = CronExpression.Parse(expression, CronFormat.IncludeSeconds);
        Assert.Equal(canonical, cron.ToString());
        Assert.Equal(cron, CronExpression.Parse(canonical, CronFormat.IncludeSeconds));
    }

    [Theory]
    [InlineData("0 9 * * 1-5", "0 9 * * MON-FRI")]
    [InlineData("0,15,30,45 * * * *", "*/15 * * * *")]
    [InlineData("0 0 * * 7", "0 0 * * SUN")]
    [InlineData("@daily", "0 0 * * *")]
    public void Equals_SameSchedule_AreEqual(string left, string right)
    {
        var a = CronExpression.Parse(left);
        var b = CronExpression.Parse(right);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [InlineData("0 9 * * *", "0 10 * * *")]
    [InlineData("0 0 13 * 5", "0 0 */31,13 * 5")] // 'either' versus 'both'
    [InlineData("0,30 1 * * *", "0-30/30 1 * * *")] // fixed time versus interval: they differ in a DST overlap
    [InlineData("0 0 L * *", "0 0 L-1 * *")]
    [InlineData("0 0 * * 1#2", "0 0 * * 1#3")]
    public void Equals_DifferentSchedule_AreNotEqual(string left, string right)
    {
        var a = CronExpression.Parse(left);
        var b = CronExpression.Parse(right);
        Assert.NotEqual(a, b);
        Assert.True(a != b);
        Assert.False(a.Equals(null));
        Assert.False(a.Equals("0 9 * * *"));
    }

    [Fact]
    public void Parse_Macro_ReturnsOneSharedInstancePerMeaningAndFormat()
    {
        var daily = CronExpression.Parse("@daily");
        Assert.Same(daily, CronExpression.Parse("@DAILY"));
        Assert.Same(daily, CronExpression.Parse(" @midnight "));
        Assert.True(CronExpression.TryParse("@daily", out CronExpression? parsed));
        Assert.Same(daily, parsed);
        Assert.NotSame(daily, CronExpression.Parse("@hourly"));

        var withSeconds = CronExpression.Parse("@daily", CronFormat.IncludeSeconds);
        Assert.NotSame(daily, withSeconds);
        Assert.Equal(CronFormat.IncludeSeconds, withSeconds.Format);
        Assert.Equal("0 0 0 * * *", withSeconds.ToString());
        Assert.Same(withSeconds, CronExpression.Parse("@midnight", CronFormat.IncludeSeconds));

        // Fields are parsed into a new instance every time.
        Assert.NotSame(CronExpression.Parse("0 0 * * *"), CronExpression.Parse("0 0 * * *"));
    }

    [Theory]
    [InlineData("30 1 * * *", true)]
    [InlineData("0,30 1,2 * * *", true)]
    [InlineData("@daily", true)]
    [InlineData("*/30 1 * * *", false)]
    [InlineData("30 1-2 * * *", false)]
    [InlineData("30 * * * *", false)]
    [InlineData("@hourly", false)]
    public void IsFixedTime_LooksAtMinuteAndHour(string expression, bool expected) =>
        Assert.Equal(expected, CronExpression.Parse(expression).IsFixedTime);
}
