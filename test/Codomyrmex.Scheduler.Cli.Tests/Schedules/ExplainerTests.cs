using Codomyrmex.Scheduler.Cli.Schedules;

namespace Codomyrmex.Scheduler.Cli.Tests.Schedules;

public sealed class ExplainerTests
{
    public static TheoryData<string, string> Sentences => new()
    {
        // Times
        { "* * * * *", "At every minute." },
        { "*/15 * * * *", "At every 15th minute." },
        { "5/15 * * * *", "At every 15th minute from 5 through 59." },
        { "0 * * * *", "At minute 0." },
        { "1,2,3 * * * *", "At minute 1, 2, and 3." },
        { "1-5,10 * * * *", "At every minute from 1 through 5 and minute 10." },
        { "0 9 * * *", "At 09:00." },
        { "0 0,12 * * *", "At minute 0 past hour 0 and 12." },
        { "0 */2 * * *", "At minute 0 past every 2nd hour." },
        { "23 0-20/2 * * *", "At minute 23 past every 2nd hour from 0 through 20." },
        { "*/5 9-17 * * *", "At every 5th minute past every hour from 9 through 17." },
        { "0 22-2 * * *", "At minute 0 past every hour from 22 through 2." },
        // Days and months
        { "30 9 * * 1-5", "At 09:30 on every day-of-week from Monday through Friday." },
        { "30 9 * * MON-FRI", "At 09:30 on every day-of-week from Monday through Friday." },
        { "5 4 * * sun", "At 04:05 on Sunday." },
        { "0 0 * * 7", "At 00:00 on Sunday." },
        { "0 0 * * 1,3", "At 00:00 on Monday and Wednesday." },
        { "0 0 * * 1/2", "At 00:00 on every 2nd day-of-week from Monday through Sunday." },
        { "15 14 1 * *", "At 14:15 on day-of-month 1." },
        { "0 4 8-14 * *", "At 04:00 on every day-of-month from 8 through 14." },
        { "0 0 */2 * *", "At 00:00 on every 2nd day-of-month." },
        { "5 0 * 8 *", "At 00:05 in August." },
        { "0 0 1 */3 *", "At 00:00 on day-of-month 1 in every 3rd month." },
        { "0 0 * JAN,jul *", "At 00:00 in January and July." },
        // The OR rule when both day fields are restricted, AND when one starts with *, as the engine (like Vixie cron) matches them
        { "0 0 13 * 5", "At 00:00 on day-of-month 13 or on Friday." },
        { "0 0 1,15 * 3", "At 00:00 on day-of-month 1 and 15 or on Wednesday." },
        { "0 0 */2 * 5", "At 00:00 on every 2nd day-of-month when that day is also Friday." },
        { "0 0 ? * 5", "At 00:00 on Friday." },
        // L, W, #
        { "0 0 L * *", "At 00:00 on the last day of the month." },
        { "0 0 L-3 * *", "At 00:00 on the day 3 days before the last day of the month." },
        { "0 0 LW * *", "At 00:00 on the last weekday of the month." },
        { "0 0 15W * *", "At 00:00 on the weekday nearest day 15 of the month." },
        { "0 0 * * 5L", "At 00:00 on the last Friday of the month." },
        { "0 0 * * FRI#3", "At 00:00 on the third Friday of the month." },
        // Macros
        { "@hourly", "At minute 0." },
        { "@daily", "At 00:00." },
        { "@midnight", "At 00:00." },
        { "@weekly", "At 00:00 on Sunday." },
        { "@monthly", "At 00:00 on day-of-month 1." },
        { "@yearly", "At 00:00 on day-of-month 1 in January." },
        // Seconds
        { "*/10 * * * * *", "At every 10th second." },
        { "15 30 9 * * *", "At 09:30:15." },
        { "0 * 9 * * *", "At second 0 past every minute past hour 9." },
        { "* * 9 * * *", "At every second past hour 9." },
        { "30 */5 * * * *", "At second 30 past every 5th minute." },
        // Never
        { "0 0 30 2 *", "At 00:00 on day-of-month 30 in February. It never fires: no such date exists." },
    };

    [Theory]
    [MemberData(nameof(Sentences))]
    public void Explain_Expression_ReadsLikeCrontabGuru(string expression, string sentence) =>
        Assert.Equal(sentence, Explainer.Explain(expression));

    [Fact]
    public void Explain_MacroWithSeconds_IsAtSecondZero() =>
        Assert.Equal("At 00:00:00.", Explainer.Explain("@daily", CronFormat.IncludeSeconds));

    [Fact]
    public void Explain_Invalid_ThrowsTheEnginesFormatException() =>
        Assert.Contains("minute field", Assert.Throws<FormatException>(() => Explainer.Explain("60 * * * *")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(90, "Every 1 minute and 30 seconds, counted from when the job is scheduled.")]
    [InlineData(3600, "Every 1 hour, counted from when the job is scheduled.")]
    [InlineData(90061, "Every 1 day, 1 hour, 1 minute, and 1 second, counted from when the job is scheduled.")]
    public void ExplainInterval_Seconds_NamesEachUnit(int seconds, string sentence) =>
        Assert.Equal(sentence, Explainer.ExplainInterval(TimeSpan.FromSeconds(seconds)));
}
