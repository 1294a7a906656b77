using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>How <c>schedctl jobs</c> prints: times with their zone, tables that stay aligned, JSON of a manual run, usage errors.</summary>
public sealed partial class JobsCommandTests
{
    /// <summary>Names that would break a table: 200 characters, wide CJK characters, emoji (two columns each), combining marks (none).</summary>
    internal static readonly string[] HostileNames =
    [
        new string('x', 200),
        string.Concat(Enumerable.Repeat("日本語のジョブ", 10)),
        string.Concat(Enumerable.Repeat("🚀", 30)),
        string.Concat(Enumerable.Repeat("e\u0301", 50)),
    ];

    private static readonly Regex PrintedTime = new(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?<zone>Z|[+-]\d\d:\d\d)?");

    /// <summary>Terminal columns of the test's own characters, counted apart from schedctl's rule.</summary>
    private static int Columns(string text) => text.EnumerateRunes().Sum(r => r.Value switch
    {
        0x0301 => 0,
        >= 0x3040 and <= 0x9FFF => 2,
        0x1F680 => 2,
        _ => 1,
    });

    public static TheoryData<string[]> TimeCommands => new()
    {
        new[] { "list" },
        new[] { "show", "tick" },
        new[] { "history", "tick" },
        new[] { "show", "later" },
    };

    [Theory]
    [MemberData(nameof(TimeCommands))]
    public async Task Times_CarryTheirZone_LocalWithOffsetByDefault_UtcWithTheFlag(string[] command)
    {
        // India has no daylight saving time: every local time there is +05:30.
        var india = new Dictionary<string, string> { ["TZ"] = "Asia/Kolkata" };
        Schedctl.Result local = await Schedctl.RunAsync(india, ["jobs", .. command, "--store", Store]);
        Schedctl.Result utc = await Schedctl.RunAsync(india, ["jobs", .. command, "--store", Store, "--utc"]);

        Assert.True(local.ExitCode == 0, local.ToString());
        Assert.True(utc.ExitCode == 0, utc.ToString());
        MatchCollection localTimes = PrintedTime.Matches(local.Output);
        Assert.NotEmpty(localTimes);
        Assert.All(localTimes, m => Assert.Equal("+05:30", m.Groups["zone"].Value));
        Assert.Equal(localTimes.Count, PrintedTime.Count(utc.Output));
        Assert.All(PrintedTime.Matches(utc.Output), m => Assert.Equal("Z", m.Groups["zone"].Value));

        // The same instants, only shown in another zone.
        DateTimeOffset first = DateTimeOffset.Parse(localTimes[0].Value, CultureInfo.InvariantCulture);
        Assert.Equal(first, DateTimeOffset.Parse(PrintedTime.Matches(utc.Output)[0].Value, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("list")]
    [InlineData("show", "tick")]
    [InlineData("history", "tick")]
    public async Task Json_TimesAreIso8601Utc_WhateverTheLocalZone(params string[] command)
    {
        Schedctl.Result result = await Schedctl.RunAsync(new Dictionary<string, string> { ["TZ"] = "Asia/Kolkata" },
            ["jobs", .. command, "--store", Store, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        // The times schedctl reports; a trigger's own fields (start_time, run_at) are its definition, kept as it was given.
        MatchCollection times = Regex.Matches(result.Output,
            "\"(?:next_run|last_run|created_at|finished_at|scheduled|started|finished)\": \"([^\"]*)\"");
        Assert.NotEmpty(times);
        Assert.All(times, m => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", m.Groups[1].Value));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task List_HostileName_IsCutWithAnEllipsis_AndTheColumnsStayAligned(int which)
    {
        string name = HostileNames[which];
        Schedctl.Result json = await Schedctl.RunAsync("jobs", "list", "--store", Store, "--json");
        using JsonDocument document = json.Json();
        string id = document.RootElement.GetProperty("jobs").EnumerateArray().Single(j => j.GetProperty("name").GetString() == name).GetProperty("job_id").GetString()!;
        Assert.Contains(document.RootElement.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("name").GetString() == name); // JSON keeps it whole

        Schedctl.Result table = await Schedctl.RunAsync("jobs", "list", "--store", Store);

        Assert.True(table.ExitCode == 0, table.ToString());
        string header = table.Lines[1];
        int idColumn = Columns(header[..header.IndexOf("ID", StringComparison.Ordinal)]);
        string row = Assert.Single(table.Lines, l => l.Contains(id, StringComparison.Ordinal));
        string cell = row[..row.IndexOf(id, StringComparison.Ordinal)].TrimEnd();
        Assert.Equal(idColumn, Columns(row[..row.IndexOf(id, StringComparison.Ordinal)]));
        Assert.EndsWith("…", cell, StringComparison.Ordinal);
        Assert.InRange(Columns(cell), 39, 40);
        Assert.StartsWith(cell[..^1], name, StringComparison.Ordinal); // cut, never changed, and never in the middle of a character
        Assert.All(table.Lines[2..^1], l => Assert.Matches(@"^\S", l[Index(l, idColumn)..]));
        Assert.Matches(@"^\d+ jobs\.$", table.Lines[^1]); // below the table: how many match
    }

    /// <summary>The index in <paramref name="line"/> where terminal column <paramref name="column"/> starts.</summary>
    private static int Index(string line, int column)
    {
        int columns = 0;
        int index = 0;
        foreach (Rune rune in line.EnumerateRunes())
        {
            if (columns >= column && Columns(rune.ToString()) > 0)
            {
                break;
            }

            columns += Columns(rune.ToString());
            index += rune.Utf16SequenceLength;
        }

        return index;
    }

    [Theory]
    [InlineData("human")]
    [InlineData("json")]
    public async Task RunLog_AFailedRun_ShowsItsMessage_NotTheExceptionType(string format)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "boom", "schedule": "* * * * * *", "shell": true, "command": "echo disk full >&2; exit 3" } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db", "--log-format", format);

        string line = await run.WaitForLineAsync(l => format == "json" ? l.Contains("\"outcome\":\"failed\"", StringComparison.Ordinal) : IsRun(l, "failed", "boom"));

        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        if (format == "json")
        {
            using JsonDocument document = JsonDocument.Parse(line);
            Assert.Equal("exit code 3: disk full", document.RootElement.GetProperty("error").GetString());
        }
        else
        {
            Assert.EndsWith("  exit code 3: disk full", line, StringComparison.Ordinal);
        }

        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    [Theory]
    [InlineData("list")]
    [InlineData("show", EvilName)]
    [InlineData("history", EvilName)]
    [InlineData("pause", EvilName)]
    [InlineData("resume", EvilName)]
    public async Task ControlCharactersInAJob_NeverReachTheTerminal(params string[] command)
    {
        Schedctl.Result result = await Schedctl.RunAsync(["jobs", .. command, "--store", Store]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain('\u001b', result.Output + result.Error);
        Assert.Contains("evil [2Jname second line", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Output.Split('\n'), l => l.StartsWith("second line", StringComparison.Ordinal));
    }

    /// <summary>A name with the escape that clears a terminal, and a line break.</summary>
    private const string EvilName = "evil\u001b[2Jname\nsecond line";

    [Fact]
    public async Task Run_Json_GivesTheOutcomeExitCodeAndOutput_AndExitCodeOneWhenItFails()
    {
        Schedctl.Result failed = await Schedctl.RunAsync("jobs", "run", "broken", "--json", "--store", Store);

        Assert.True(failed.ExitCode == 1, failed.ToString());
        using (JsonDocument document = failed.Json())
        {
            JsonElement run = document.RootElement;
            Assert.Equal("broken", run.GetProperty("name").GetString());
            Assert.Equal("failed", run.GetProperty("outcome").GetString());
            Assert.Equal(5, run.GetProperty("exit_code").GetInt32());
            Assert.Equal("out\n", run.GetProperty("stdout").GetString());
            Assert.Equal("err\n", run.GetProperty("stderr").GetString());
            Assert.Equal("exit code 5: err", run.GetProperty("error").GetString());
            Assert.EndsWith("Z", run.GetProperty("started").GetString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Exception", failed.Error, StringComparison.Ordinal);
        Schedctl.Result ok = await Schedctl.RunAsync("jobs", "run", "manual", "--json", "--store", Store);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        using JsonDocument success = ok.Json();
        Assert.Equal("succeeded", success.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(0, success.RootElement.GetProperty("exit_code").GetInt32());
        Assert.Equal(JsonValueKind.Null, success.RootElement.GetProperty("error").ValueKind);
        Assert.Equal("manual\n", success.RootElement.GetProperty("stdout").GetString());
    }

    [Theory]
    [InlineData("schedctl jobs", "'lsit' is not a command of 'schedctl jobs'. Did you mean 'schedctl jobs list'?", "jobs", "lsit")]
    [InlineData("schedctl jobs", "'hist' is not a command of 'schedctl jobs'. Did you mean 'schedctl jobs history'?", "jobs", "hist")]
    [InlineData("schedctl jobs", "'schedctl jobs' needs a command: list, show, history, cancel, run, pause, resume, delete, purge.", "jobs")]
    [InlineData("schedctl", "'nxt' is not a command of 'schedctl'. Did you mean 'schedctl next'?", "nxt")]
    [InlineData("schedctl jobs history", "Required argument missing for command: 'history'.", "jobs", "history")]
    [InlineData("schedctl jobs show", "Did you mean '--json' instead of '--jsn'?", "jobs", "show", "tick", "--jsn")]
    [InlineData("schedctl jobs purge", "Option '--finished' is required", "jobs", "purge", "--older-than", "7d")]
    [InlineData("schedctl jobs purge", "--older-than '7x': ", "jobs", "purge", "--finished", "--older-than", "7x")]
    [InlineData("schedctl jobs purge", "--older-than '-1d': ", "jobs", "purge", "--finished", "--older-than", "-1d")]
    [InlineData("schedctl jobs purge", "Option '--older-than' is required.", "jobs", "purge", "--finished")]
    public async Task UsageError_SaysWhatIsWrongOnce_AndPointsAtTheFullCommandsHelp(string path, string message, params string[] args)
    {
        Schedctl.Result result = await Schedctl.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Output);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains(message, StringComparison.Ordinal));
        Assert.Equal($"Run '{path} --help' for usage.", lines[^1]);
        Assert.DoesNotContain("Required command was not provided", result.Error, StringComparison.Ordinal);
        Assert.InRange(lines.Length, 2, 3);
    }
}
