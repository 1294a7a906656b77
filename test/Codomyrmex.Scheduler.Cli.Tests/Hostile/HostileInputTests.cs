namespace Codomyrmex.Scheduler.Cli.Tests.Hostile;

/// <summary>
/// Every entry point of schedctl that reads input, given hostile input, as the real executable: a clear error that names the
/// problem (and FILE:LINE:COL where there is a file), exit code 1 (invalid input) or 2 (usage), never a stack trace or a hang
/// (<see cref="Schedctl.RunAsync(string[])"/> gives up after a minute).
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>The exit code, a line that starts with <paramref name="place"/> and contains <paramref name="message"/>, and no stack trace.</summary>
    private static void AssertCleanFailure(Schedctl.Result result, int exitCode, string message, string place = "")
    {
        string all = result.Output + result.Error;
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.True(
            all.Split('\n').Any(line => line.StartsWith(place, StringComparison.Ordinal) && line.Contains(message, StringComparison.Ordinal)),
            $"expected a line '{place}…{message}…' in:\n{result}");
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
    }

    private static string Place(HostileFiles.Case hostile, string path) =>
        hostile.Line == 0 ? $"{path}: " : $"{path}:{hostile.Line}:{hostile.Column}: ";

    /// <summary>Every hostile file for both commands that read jobs files.</summary>
    public static TheoryData<string, string> CommandsAndFiles =>
        [.. new[] { "validate", "run" }.SelectMany(command => HostileFiles.All.Keys.Select(name => (command, name)))];

    [Theory]
    [MemberData(nameof(CommandsAndFiles))]
    public async Task ValidateAndRun_HostileFile_NameTheProblemAtItsPlace_AndStartNothing(string command, string name)
    {
        HostileFiles.Case hostile = HostileFiles.All[name];
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, hostile.FileName);
        await File.WriteAllBytesAsync(path, hostile.Content, TestContext.Current.CancellationToken);

        string[] store = command == "run" ? ["--store", "sqlite:" + folder["state.db"]] : [];
        Schedctl.Result result = await Schedctl.RunAsync([command, path, .. store, .. hostile.Options]);

        AssertCleanFailure(result, 1, hostile.Message, Place(hostile, path));
        if (command == "run")
        {
            Assert.Contains("nothing was started", result.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(folder["state.db"]), "the store was created for a file that does not start");
        }
    }

    [Fact]
    public async Task Validate_OneLineFileOfTwentyThousandJobs_PlacesTheOneBadJob_WellWithinTheHangGuard()
    {
        // Minified JSON is one long line: columns are counted in constant time, and the scheduler checks the jobs in a few passes.
        var jobs = Enumerable.Range(0, 20_000).Select(i => i == 15_000
            ? """{"name":"late","command":["x"],"trigger":{"type":"interval","minutes":1,"end_time":"2020-01-01T00:00:00Z"}}"""
            : $$"""{"name":"j{{i}}","schedule":"@daily","command":["x"]}""");
        string text = "{\"jobs\":[" + string.Join(',', jobs) + "]}";
        using var folder = new TempFolder();
        string path = folder.Write("jobs.json", text);

        Schedctl.Result result = await Schedctl.RunAsync("validate", path);

        int column = text.IndexOf("{\"type\":\"interval\"", StringComparison.Ordinal) + 1;
        AssertCleanFailure(result, 1, "the scheduler refuses job 'late': the trigger 'every 1m until 2020-01-01", $"{path}:1:{column}: ");
        Assert.Equal($"{path}: 1 error", result.Lines[^1]);
    }

    [Theory]
    [InlineData("/dev/zero", "it is a character device, not a file")]
    [InlineData("/", "it is a folder, not a file")]
    [InlineData("/nonexistent/jobs.json", "cannot read the file")]
    public async Task Validate_DeviceFolderOrMissingFile_NamesTheFile(string path, string message)
    {
        Schedctl.Result result = await Schedctl.RunAsync("validate", path);

        AssertCleanFailure(result, 1, message, $"{path}: ");
    }

    /// <summary>Arguments of <c>next</c> and <c>explain</c>, the exit code and a part of the message.</summary>
    public static TheoryData<string[], int, string> HostileArguments => new()
    {
        { ["next", "0 61 * * *"], 1, "hour field: '61' is out of range" },
        { ["next", "* * * * *", "--from", "0001-01-01T00:00", "--tz", "Pacific/Kiritimati"], 1, "--from '0001-01-01T00:00' is out of range" },
        { ["next", "* * * * *", "--from", "9999-12-31T23:59:59Z"], 1, "is out of range; schedctl computes times from 0001-01-02 to 9999-12-30" },
        { ["next", "* * * * *", "--from", "0001-01-01T00:00:00+14:00"], 1, "--from '0001-01-01T00:00:00+14:00' is out of range" },
        { ["next", "* * * * *", "--from", "yesterday"], 1, "--from 'yesterday' is not a time" },
        { ["next", "* * * * *", "--tz", "../../etc/passwd"], 1, "unknown time zone '../../etc/passwd'" },
        { ["next", "* * * * *", "--tz", ""], 1, "unknown time zone ''" },
        { ["next", "* * * * *", "--tz", "America"], 1, "unknown time zone 'America'" },
        { ["next", "@every 99999999999999d"], 1, "@every 99999999999999d" },
        { ["next", "@every 10675199d"], 1, "before 9999-12-31, the end of the calendar" },
        { ["next", "0 0 1 1 *", "--from", "9999-06-01T00:00Z"], 1, "'0 0 1 1 *' has no occurrence after 9999-06-01T00:00:00+00:00 before 9999-12-31" },
        { ["next", new string('*', 100_000)], 1, "has 1 field; a cron expression has 5" },
        { ["next", "0 9 * * 1-5 /bin/true"], 1, "has 6 fields, more than a schedule: it looks like a crontab line" },
        { ["next", "* * * * *", "-n", "1001"], 2, "--count must be between 1 and 1000" },
        { ["next", "* * * * *", "-n", "99999999999999999999"], 2, "99999999999999999999" },
        { ["explain", "0 9 * * 1-5 /bin/true"], 1, "with the schedule '0 9 * * 1-5' followed by a command '/bin/true'" },
        { ["explain", "@daily /usr/bin/backup"], 1, "with the schedule '@daily' followed by a command '/usr/bin/backup'" },
        { ["explain", "@every -5s"], 1, "the duration \"-5s\" is invalid: a duration must not be negative" },
        { ["explain", "@every 0s"], 1, "the interval must be positive" },
        { ["explain", ""], 1, "schedctl: " },
        { ["explain", "\uFF10 \uFF19 * * *"], 1, "minute field" },
        { ["explain", "0 0 30 2 *"], 0, "never fires" },
        { ["validate"], 2, "Required argument missing" },
        { ["validate", "a", "b"], 2, "Unrecognized command or argument 'b'" },
        { ["validate", "jobs.json", "--format", "yaml"], 2, "yaml" },
    };

    [Theory]
    [MemberData(nameof(HostileArguments))]
    public async Task Command_HostileArguments_FailCleanly(string[] args, int exitCode, string message)
    {
        Schedctl.Result result = await Schedctl.RunAsync(args);

        if (exitCode == 0)
        {
            // Valid input with a warning in its answer (an expression that names no real date): said, not failed.
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains(message, result.Output, StringComparison.Ordinal);
            return;
        }

        AssertCleanFailure(result, exitCode, message);
    }
}
