namespace Codomyrmex.Scheduler.Tests.Cron;

public class SmokeTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Theory]
    [InlineData("0 9 * * 1-5", "2026-11-27T10:00:00+00:00", "2026-11-30T09:00:00+00:00")]
    [InlineData("*/15 * * * *", "2026-11-27T10:07:00+00:00", "2026-11-27T10:15:00+00:00")]
    [InlineData("0 0 13 * 5", "2026-11-27T10:00:00+00:00", "2026-12-04T00:00:00+00:00")]
    [InlineData("0 0 L * *", "2026-02-01T00:00:00+00:00", "2026-02-28T00:00:00+00:00")]
    [InlineData("0 0 * * 5L", "2026-02-01T00:00:00+00:00", "2026-02-27T00:00:00+00:00")]
    [InlineData("0 0 * * 1#2", "2026-02-01T00:00:00+00:00", "2026-02-09T00:00:00+00:00")]
    [InlineData("0 0 15W * *", "2026-08-01T00:00:00+00:00", "2026-08-14T00:00:00+00:00")]
    public void Utc(string expression, string after, string expected)
    {
        var cron = CronExpression.Parse(expression);
        Assert.Equal(DateTimeOffset.Parse(expected), cron.GetNextOccurrence(DateTimeOffset.Parse(after), TimeZoneInfo.Utc));
    }

    [Fact]
    public void Gap()
    {
        var cron = CronExpression.Parse("30 2 * * *");
        var next = cron.GetNextOccurrence(DateTimeOffset.Parse("2024-03-10T00:00:00-05:00"), NewYork);
        Assert.Equal(DateTimeOffset.Parse("2024-03-10T03:00:00-04:00"), next);
        Assert.Equal(TimeSpan.FromHours(-4), next!.Value.Offset);
    }

    [Fact]
    public void Overlap()
    {
        var hourly = CronExpression.Parse("0 * * * *");
        var list = hourly.GetOccurrences(DateTimeOffset.Parse("2024-11-03T00:00:00-04:00"), DateTimeOffset.Parse("2024-11-03T03:00:00-05:00"), NewYork).ToList();
        Assert.Equal(["2024-11-03T00:00:00-04:00", "2024-11-03T01:00:00-04:00", "2024-11-03T01:00:00-05:00", "2024-11-03T02:00:00-05:00"],
            list.Select(d => d.ToString("yyyy-MM-ddTHH:mm:sszzz")));
        var fixedTime = CronExpression.Parse("30 1 * * *");
        var list2 = fixedTime.GetOccurrences(DateTimeOffset.Parse("2024-11-02T00:00:00-04:00"), DateTimeOffset.Parse("2024-11-05T00:00:00-05:00"), NewYork).ToList();
        Assert.Equal(["2024-11-02T01:30:00-04:00", "2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"],
            list2.Select(d => d.ToString("yyyy-MM-ddTHH:mm:sszzz")));
    }
}
