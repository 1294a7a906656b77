using System.Globalization;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Concrete cases that the property and differential tests once found wrong.</summary>
public class CronRegressionTests
{
    [Theory]
    [InlineData("0 0 */2 * *", "2026-05-01T00:00:00Z", "2026-05-03T00:00:00Z")] // odd days only, not every day
    [InlineData("0 0 ?/2 * *", "2026-05-01T00:00:00Z", "2026-05-03T00:00:00Z")]
    [InlineData("0 0 * * */2", "2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z")] // Sun, Tue, Thu, Sat; 05-01 is a Friday
    [InlineData("0 0 * * */2", "2026-05-02T00:00:00Z", "2026-05-03T00:00:00Z")]
    [InlineData("0 0 * * */2", "2026-05-03T00:00:00Z", "2026-05-05T00:00:00Z")]
    [InlineData("0 0 */3 * 5", "2026-05-01T00:00:00Z", "2026-05-22T00:00:00Z")] // both: a Friday on day 1, 4, 7, ... 31
    [InlineData("0 0 */3 * 5/4", "2003-05-01T00:00:00Z", "2003-05-16T00:00:00Z")]
    public void GetNextOccurrence_DayFieldBeginningWithStarAndStep_KeepsTheStep(string expression, string after, string expected) =>
        Assert.Equal(Instant(expected), CronExpression.Parse(expression).GetNextOccurrence(Instant(after), TimeZoneInfo.Utc));

    [Theory]
    [InlineData("0 20 31 12 *", "America/New_York", "9999-12-01T00:00:00Z")] // 20:00 EST on 9999-12-31 is in year 10000 UTC
    [InlineData("* * * * *", "America/New_York", "9999-12-31T23:59:59.9999999Z")]
    [InlineData("0 0 * * *", "America/Sao_Paulo", "9999-12-31T12:00:00Z")]
    public void GetNextOccurrence_MatchPastTheLastInstantInZoneWithRules_ReturnsNullInsteadOfHanging(
        string expression, string zone, string after) =>
        Assert.Null(CronExpression.Parse(expression).GetNextOccurrence(Instant(after), TimeZoneInfo.FindSystemTimeZoneById(zone)));

    [Theory]
    [InlineData("0 0 */2 * *", "0 0 */2 * *")] // was "0 0 */31,3,5,7,...,31 * *"
    [InlineData("0 0 * * */2", "0 0 * * */2")] // was "0 0 * * */7,2,4,6"
    [InlineData("0 0 ?/3 * 1", "0 0 */3 * 1")]
    [InlineData("0 0 */2,4 * *", "0 0 */2,4 * *")]
    [InlineData("0 0 */31 * *", "0 0 */31 * *")]
    [InlineData("0 0 * * */7", "0 0 * * */7")]
    public void ToString_DayFieldBeginningWithStarStep_KeepsTheStep(string expression, string expected) =>
        Assert.Equal(expected, CronExpression.Parse(expression).ToString());

    [Fact]
    public void ToString_AnyStarStepInADayField_IsThatStep()
    {
        for (int step = 2; step <= 31; step++)
        {
            Assert.Equal($"0 0 */{step} * *", CronExpression.Parse($"0 0 */{step} * *").ToString());
        }

        for (int step = 2; step <= 7; step++)
        {
            Assert.Equal($"0 0 * * */{step}", CronExpression.Parse($"0 0 * * */{step}").ToString());
        }
    }

    private static DateTimeOffset Instant(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
