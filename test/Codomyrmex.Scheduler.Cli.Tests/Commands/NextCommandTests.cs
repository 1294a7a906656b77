using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests.Commands;

public sealed class NextCommandTests
{
    [Fact]
    public async Task Next_Utc_PrintsFiveOccurrencesWithOffset()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "*/15 * * * *", "--tz", "UTC", "--from", "2025-01-31T23:50:00Z");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            ["2025-02-01T00:00:00+00:00", "2025-02-01T00:15:00+00:00", "2025-02-01T00:30:00+00:00", "2025-02-01T00:45:00+00:00", "2025-02-01T01:00:00+00:00"],
            result.Lines);
    }

    [Fact]
    public async Task Next_SpringForwardInNewYork_FiresAfterTheGapWithTheNewOffset()
    {
        // 02:30 does not exist on 2024-03-10 in New York: the run is at 03:00 EDT, the first minute after the gap.
        Schedctl.Result result = await Schedctl.RunAsync("next", "30 2 * * *", "--tz", "America/New_York", "--from", "2024-03-09T00:00", "-n", "3");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["2024-03-09T02:30:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00"], result.Lines);
    }

    [Fact]
    public async Task Next_FallBackInBerlin_IntervalFiresInBothPasses()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "0 * * * *", "--tz", "Europe/Berlin", "--from", "2024-10-27T01:30+02:00", "-n", "3");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["2024-10-27T02:00:00+02:00", "2024-10-27T02:00:00+01:00", "2024-10-27T03:00:00+01:00"], result.Lines);
    }

    [Fact]
    public async Task Next_FieldsAsSeparateWordsAndSeconds_AreOneExpression()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "--tz", "UTC", "--from", "2025-01-01T00:00:00Z", "-n", "2", "*/20", "*", "*", "*", "*", "*");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["2025-01-01T00:00:20+00:00", "2025-01-01T00:00:40+00:00"], result.Lines);
    }

    [Fact]
    public async Task Next_Every_CountsFromTheStart()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "@every 90m", "--tz", "UTC", "--from", "2025-01-01T00:00:00Z", "-n", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["2025-01-01T01:30:00+00:00", "2025-01-01T03:00:00+00:00"], result.Lines);
    }

    [Fact]
    public async Task Next_Json_IsADocumentWithTheOccurrences()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "@daily", "--tz", "Asia/Kolkata", "--from", "2025-06-01T12:00", "-n", "2", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = result.Json();
        JsonElement root = json.RootElement;
        Assert.Equal("@daily", root.GetProperty("expression").GetString());
        Assert.Equal("Asia/Kolkata", root.GetProperty("time_zone").GetString());
        Assert.Equal("2025-06-01T12:00:00+05:30", root.GetProperty("from").GetString());
        Assert.Equal(
            ["2025-06-02T00:00:00+05:30", "2025-06-03T00:00:00+05:30"],
            root.GetProperty("occurrences").EnumerateArray().Select(e => e.GetString()!));
    }

    [Theory]
    [InlineData("0 61 * * *", "hour field: '61' is out of range")]
    [InlineData("0 0 30 2 *", "never fires")]
    [InlineData("@reboot", "@reboot is not a schedule of times")]
    public async Task Next_InvalidExpression_ExitsWithOneAndSaysWhy(string expression, string message)
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", expression, "--tz", "UTC");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Next_UnknownZone_ExitsWithOne()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "* * * * *", "--tz", "Mars/Olympus_Mons");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("unknown time zone 'Mars/Olympus_Mons'", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-n", "0")]
    [InlineData("-n", "many")]
    [InlineData("--frobnicate", "1")]
    public async Task Next_BadCommandLine_IsAUsageError(string option, string value)
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "* * * * *", option, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("schedctl next --help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheCommandsAndExitCodes()
    {
        Schedctl.Result result = await Schedctl.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("next", result.Output, StringComparison.Ordinal);
        Assert.Contains("explain", result.Output, StringComparison.Ordinal);
        Assert.Contains("validate", result.Output, StringComparison.Ordinal);
        Assert.Contains("Exit codes", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Next_NearTheEndOfTheCalendar_PrintsWhatThereIs_AndSaysTheSearchEnded()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "0 0 * * *", "--tz", "Pacific/Kiritimati", "--from", "9999-12-29T00:00", "-n", "3");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["9999-12-30T00:00:00+14:00", "9999-12-31T00:00:00+14:00"], result.Lines);
        Assert.Equal("schedctl: '0 0 * * *' has only 2 occurrence(s) after 9999-12-29T00:00:00+14:00 before 9999-12-31, the end of the calendar.",
            result.Error.Trim());
    }

    [Fact]
    public async Task Next_NoOccurrenceBeforeTheEndOfTheCalendar_IsNotCalledNeverFires()
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "0 0 29 2 *", "--tz", "UTC", "--from", "9997-01-01T00:00");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.DoesNotContain("never fires", result.Error, StringComparison.Ordinal);
        Assert.Contains("'0 0 29 2 *' has no occurrence after 9997-01-01T00:00:00+00:00 before 9999-12-31", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0001-01-01T00:00", "Pacific/Kiritimati")]
    [InlineData("0001-01-01T05:00", "Pacific/Kiritimati")]
    [InlineData("9999-12-31T23:59", "Pacific/Pago_Pago")]
    [InlineData("9999-12-31T12:00", "UTC")]
    public async Task Next_FromBeyondTheCalendarsEdgeInAZone_IsOutOfRange(string from, string zone)
    {
        Schedctl.Result result = await Schedctl.RunAsync("next", "* * * * *", "--tz", zone, "--from", from);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"schedctl: --from '{from}' is out of range; schedctl computes times from 0001-01-02 to 9999-12-30 (UTC).", result.Error.Trim());
    }
}
