using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests.Commands;

public sealed class ExplainCommandTests
{
    [Theory]
    [InlineData("30 9 * * 1-5", "At 09:30 on every day-of-week from Monday through Friday.")]
    [InlineData("*/15 * * * *", "At every 15th minute.")]
    [InlineData("0 0 13 * 5", "At 00:00 on day-of-month 13 or on Friday.")]
    [InlineData("@daily", "At 00:00.")]
    [InlineData("@every 30s", "Every 30 seconds, counted from when the job is scheduled.")]
    [InlineData("@reboot", "Once each time 'schedctl run' starts (@reboot).")]
    public async Task Explain_PrintsTheSentence(string expression, string sentence)
    {
        Schedctl.Result result = await Schedctl.RunAsync("explain", expression);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(sentence, result.Output.Trim());
    }

    [Fact]
    public async Task Explain_Json_HasExpressionAndDescription()
    {
        Schedctl.Result result = await Schedctl.RunAsync("explain", "0 0 L * *", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = result.Json();
        Assert.Equal("0 0 L * *", json.RootElement.GetProperty("expression").GetString());
        Assert.Equal("At 00:00 on the last day of the month.", json.RootElement.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Explain_InvalidExpression_ExitsWithOneAndTheEnginesMessage()
    {
        Schedctl.Result result = await Schedctl.RunAsync("explain", "0 0 * JANUARY *");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("schedctl: The cron expression '0 0 * JANUARY *' is invalid: month field", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 9 * * 1-5 /bin/true", "'0 9 * * 1-5 /bin/true' has 6 fields, more than a schedule: it looks like a crontab line, with the schedule " +
        "'0 9 * * 1-5' followed by a command '/bin/true'. Give only the schedule.")]
    [InlineData("*/5 * * * * root run-parts /etc/cron.hourly", "'*/5 * * * * root run-parts /etc/cron.hourly' has 8 fields, more than a schedule: " +
        "it looks like a crontab line, with the schedule '*/5 * * * *' followed by a command 'root run-parts /etc/cron.hourly'. Give only the schedule.")]
    [InlineData("@every 5m curl -fsS https://example.com", "'@every 5m curl -fsS https://example.com' has 5 fields, more than a schedule: it looks " +
        "like a crontab line, with the schedule '@every 5m' followed by a command 'curl -fsS https://example.com'. Give only the schedule.")]
    public async Task Explain_APastedCrontabLine_SaysACommandFollowsTheSchedule(string line, string message)
    {
        Schedctl.Result result = await Schedctl.RunAsync("explain", line);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("schedctl: " + message, result.Error.Trim());
    }

    [Theory]
    [InlineData("0 9 * * 1-5 7")]
    [InlineData("0 0 9 * * MON-FRI")]
    public async Task Explain_SixFieldsThatAreASchedule_AreNotTakenForACrontabLine(string expression)
    {
        Schedctl.Result result = await Schedctl.RunAsync("explain", expression);

        Assert.DoesNotContain("crontab line", result.Output + result.Error, StringComparison.Ordinal);
    }
}
