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
}
