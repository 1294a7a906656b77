namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The ends of the calendar in the far east and far west: searching never throws, past the last instant the answer is
/// null, and <see cref="CronExpression.NeverFires"/> tells "never" from "not before year 10000".
/// </summary>
public partial class CronExpressionTests
{
    private static readonly string[] ExtremeZoneIds = ["UTC", "Pacific/Kiritimati", "Etc/GMT-14", "Etc/GMT+12", "Pacific/Pago_Pago", "Pacific/Chatham", "Australia/Lord_Howe", "America/New_York"];

    private static readonly string[] ExtremeExpressions = ["* * * * *", "0 0 * * *", "0 0 1 1 *", "59 23 31 12 *", "0 0 29 2 *", "0 0 L 12 5", "0 0 * * 0#5", "0 12 15W * *"];

    public static TheoryData<string, string> ExtremeCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string zone in ExtremeZoneIds)
        {
            foreach (string expression in ExtremeExpressions)
            {
                data.Add(expression, zone);
            }
        }

        return data;
    }

    /// <summary>Instants at both ends of what a DateTimeOffset holds, with the largest offsets either way.</summary>
    private static IEnumerable<DateTimeOffset> ExtremeInstants()
    {
        foreach (int hours in new[] { -14, -12, 0, 12, 14 })
        {
            var offset = TimeSpan.FromHours(hours);
            long min = Math.Max(DateTime.MinValue.Ticks, DateTime.MinValue.Ticks + offset.Ticks);
            long max = Math.Min(DateTime.MaxValue.Ticks, DateTime.MaxValue.Ticks + offset.Ticks);
            yield return new DateTimeOffset(min, offset);
            yield return new DateTimeOffset(max, offset);
            yield return new DateTimeOffset(max - TimeSpan.TicksPerDay, offset);
            yield return new DateTimeOffset(max - (400 * TimeSpan.TicksPerDay), offset);
        }

        yield return DateTimeOffset.MinValue;
        yield return DateTimeOffset.MaxValue;
    }

    [Theory]
    [MemberData(nameof(ExtremeCases))]
    public void GetNextOccurrence_AtTheEndsOfTheCalendar_NeverThrows_AndIsLaterAndMatching(string text, string zoneId)
    {
        CronExpression expression = CronExpression.Parse(text);
        TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        Assert.False(expression.NeverFires);
        foreach (DateTimeOffset after in ExtremeInstants())
        {
            DateTimeOffset? next = expression.GetNextOccurrence(after, zone);
            if (next is { } occurrence)
            {
                Assert.True(occurrence > after, $"{occurrence:O} is not after {after:O}");
                Assert.Equal(zone.GetUtcOffset(occurrence), occurrence.Offset);
            }
            else
            {
                // No occurrence: only when the calendar ends within the search (the expressions above fire at least yearly,
                // except the leap day, the fifth Sunday and the last Friday of December, which may skip up to 8 years).
                Assert.True(after.UtcDateTime > new DateTime(9990, 1, 1), $"No occurrence after {after:O}");
            }

            Assert.All(expression.GetOccurrences(after, after.UtcTicks + TimeSpan.TicksPerDay <= DateTimeOffset.MaxValue.UtcTicks
                ? after.AddDays(1) : DateTimeOffset.MaxValue, zone), o => Assert.True(o >= after));
        }
    }

    [Theory]
    [InlineData("0 0 30 2 *")]
    [InlineData("0 0 31 4,6,9,11 *")]
    [InlineData("0 0 L-30 2 *")]
    public void NeverFires_ADayThatNeverExists_IsTrue(string text)
    {
        CronExpression expression = CronExpression.Parse(text);
        Assert.True(expression.NeverFires);
        Assert.Null(expression.GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("0 0 1 1 *", "Pacific/Kiritimati")]
    [InlineData("0 0 29 2 *", "UTC")]
    [InlineData("* * * * *", "Etc/GMT+12")]
    public void NeverFires_NoOccurrenceBeforeTheEndOfTheCalendar_IsFalse(string text, string zoneId)
    {
        CronExpression expression = CronExpression.Parse(text);
        DateTimeOffset nearTheEnd = new(9999, 12, 31, 23, 59, 0, TimeSpan.Zero);
        Assert.Null(expression.GetNextOccurrence(nearTheEnd, TimeZoneInfo.FindSystemTimeZoneById(zoneId)));
        Assert.False(expression.NeverFires);
    }
}
