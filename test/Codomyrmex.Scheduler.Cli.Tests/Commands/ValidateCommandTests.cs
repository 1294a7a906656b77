using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests.Commands;

public sealed class ValidateCommandTests
{
    /// <summary>A job (line 2 of its file), the text the error points at (its first occurrence on the line), and the message.</summary>
    public static TheoryData<string, string, string> JsonErrors => new()
    {
        { """{ "name": "a", "schedule": "@daily", "command": ["x"], "workingDir": "/" }""", "\"workingDir", "unknown field \"workingDir\" in a job; did you mean \"working_dir\"?" },
        { """{ "name": "a", "schedule": "@daily", "command": ["x"], "max_runs": "3" }""", "\"3\"", "\"max_runs\" must be a whole number, 1 or more, not \"3\"." },
        { """{ "name": "a", "schedule": "0 61 * * *", "command": ["x"] }""", "61", "The cron expression '0 61 * * *' is invalid: hour field: '61' is out of range" },
        { """{ "name": "a", "schedule": "@daily" }""", "{", "job 'a' has no \"command\"" },
        { """{ "schedule": "@daily", "command": ["x"] }""", "{", "the job has no \"name\"" },
        { """{ "name": "a", "schedule": "@daily", "time_zone": "Mars/Base", "command": ["x"] }""", "\"Mars", "unknown time zone 'Mars/Base'" },
        { """{ "name": "a", "schedule": "@daily", "trigger": { "type": "once" }, "command": ["x"] }""", "\"trigger", "job 'a' has both \"schedule\" and \"trigger\"" },
        { """{ "name": "a", "schedule": "@daily", "command": ["x"], "timeout": "soon" }""", "\"soon", "\"timeout\": the duration \"soon\" is invalid: the unit \"soon\" has no number before it" },
        { """{ "name": "a", "schedule": "@every 0s", "command": ["x"] }""", "0s", "The schedule \"@every 0s\" is invalid: the interval must be positive, not 0s." },
        { """{ "name": "a", "schedule": "@daily", "command": ["x"], "overlap": "never" }""", "\"never", "The overlap policy \"never\" is not valid; use skip, queue or allow." },
        { """{ "name": "a", "schedule": "@daily", "command": ["x"], "misfire": "run-once" }""", "\"run-once", "The misfire policy \"run-once\" is not valid; use run_once, skip or run_all." },
        { """{ "name": "a", "schedule": "@daily", "command": ["x", 1] }""", "1]", "each argument of \"command\" must be a string, not a number." },
        { """{ "name": "a", "schedule": "@daily", "command": "echo hi" }""", "\"echo", "a string \"command\" is a shell command line: add \"shell\": true" },
        { """{ "name": "a", "schedule": "0 0 30 2 *", "command": ["x"] }""", "\"0 0", "the schedule '0 0 30 2 *' never fires" },
        { """{ "name": "a", "trigger": { "type": "cron", "expression": "0 61 * * *" }, "command": ["x"] }""", "61", "\"trigger\": \"expression\" is invalid. The cron expression '0 61 * * *' is invalid: hour field" },
        { """{ "name": "a", "trigger": { "type": "interval", "minutes": 5, "hourz": 1 }, "command": ["x"] }""", "\"hourz", "\"trigger\": unknown field \"hourz\" in an interval trigger" },
        { """{ "name": "a", "trigger": { "type": "weekly" }, "command": ["x"] }""", "\"weekly", "\"trigger\": unknown type \"weekly\"; expected once, interval or cron." },
        { """{ "name": "a", "trigger": { "type": "once", "run_at": "2030-01-01T09:00" }, "command": ["x"] }""", "\"2030", "\"trigger\": \"run_at\" must be an ISO 8601 date and time with a UTC offset" },
        { """{ "name": "a", "trigger": { "type": "interval" }, "command": ["x"] }""", "{ \"type", "\"trigger\": the interval must be positive" },
        { """{ "name": "a", "task": "cleanup", "schedule": "@daily", "command": ["x"] }""", "\"task", "job 'a' has both \"task\" and \"command\"; give one of them." },
        { """{ "name": "a", "task": "cleanup", "schedule": "@daily" }""", "\"cleanup", "unknown task 'cleanup'; the file declares no \"tasks\"." },
        { """{ "name": "a", "schedule": "@daily", "command": ["x"], "args": ["y"] }""", "[\"y", "\"args\" goes to a task's command; a job with \"command\" writes its arguments in it." },
    };

    [Theory]
    [MemberData(nameof(JsonErrors))]
    public async Task Validate_JsonError_PrintsFileLineColumnAndExitsWithOne(string job, string at, string message)
    {
        string line = "  " + job;
        using var file = new TempFile("jobs.json", "{ \"jobs\": [\n" + line + "\n] }\n");

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"{file.Path}:2:{line.IndexOf(at, StringComparison.Ordinal) + 1}: {message}", result.Lines[0], StringComparison.Ordinal);
        Assert.Equal($"{file.Path}: 1 error", result.Lines[^1]);
    }

    [Fact]
    public async Task Validate_DuplicateNames_PointsAtTheSecondAndNamesTheFirstLine()
    {
        using var file = new TempFile("jobs.json", """
            { "jobs": [
              { "name": "backup", "schedule": "@daily", "command": ["a"] },
              { "name": "backup", "schedule": "@hourly", "command": ["b"] }
            ] }
            """);

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"{file.Path}:3:13: duplicate job name 'backup'; the first job with that name is on line 2.", result.Lines[0]);
    }

    [Fact]
    public async Task Validate_SyntaxError_UsesTheReadersPosition()
    {
        using var file = new TempFile("jobs.json", "{ \"jobs\": [\n  { \"name\": \"a\" }\n  { \"name\": \"b\" }\n] }\n");

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"{file.Path}:3:3: invalid JSON: '{{' is invalid after a value.", result.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ManyErrors_ListsEveryOneInFileOrder()
    {
        using var file = new TempFile("jobs.json", """
            { "jobs": [
              { "name": "a", "schedule": "61 * * * *", "command": ["x"], "env": { "K": 1 } },
              { "name": "b", "schedule": "@daily", "command": ["x"], "shell": "yes" }
            ] }
            """);

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(4, result.Lines.Length);
        Assert.StartsWith($"{file.Path}:2:31: The cron expression", result.Lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{file.Path}:2:76: the value of \"K\" in \"env\" must be a string", result.Lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"{file.Path}:3:67: \"shell\" must be true or false", result.Lines[2], StringComparison.Ordinal);
        Assert.Equal($"{file.Path}: 3 errors", result.Lines[3]);
    }

    [Fact]
    public async Task Validate_ValidJson_ExitsWithZeroAndCountsTheJobs()
    {
        using var file = new TempFile("jobs.json", """
            {
              // comments and trailing commas are allowed
              "jobs": [
                { "name": "tick", "schedule": "@every 1s", "command": ["date"] },
                { "name": "backup", "schedule": "30 2 * * *", "time_zone": "Europe/Berlin", "command": "tar czf /b.tgz /data", "shell": true },
                { "name": "report", "trigger": { "type": "interval", "minutes": 5 }, "command": ["report"], "timeout": "1m" },
              ]
            }
            """);

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{file.Path}: 3 jobs OK", result.Lines[0]);
        Assert.Matches(@"^LINE +JOB +NEXT RUN +SCHEDULE$", result.Lines[1]);
        Assert.Matches(@"^4 +tick +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d +Every 1 second, counted from when the job is scheduled\.$", result.Lines[2]);
        Assert.Matches(@"^5 +backup +\d{4}-\S+ \S+ +At 02:30 \(Europe/Berlin\)\.$", result.Lines[3]);
        Assert.Matches(@"^6 +report +\d{4}-\S+ \S+ +Every 5 minutes, counted from when the job is scheduled\.$", result.Lines[4]);
    }

    [Fact]
    public async Task Validate_Crontab_ReportsEachBadLine()
    {
        using var file = new TempFile("crontab", """
            # m h dom mon dow command
            SHELL=/bin/bash
            */5 * * * * echo ok
            0 61 * * * echo bad
            @reboot
            0 0 * * *
            CRON_TZ=Bad/Zone
            """);

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"{file.Path}:4:3: The cron expression '0 61 * * *' is invalid: hour field", result.Lines[0], StringComparison.Ordinal);
        Assert.Equal($"{file.Path}:5:8: the schedule '@reboot' has no command after it.", result.Lines[1]);
        Assert.Equal($"{file.Path}:6:10: the schedule '0 0 * * *' has no command after it.", result.Lines[2]);
        Assert.StartsWith($"{file.Path}:7:9: unknown time zone 'Bad/Zone'", result.Lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_UnreadableFile_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "schedctl-no-such-file.json");

        Schedctl.Result result = await Schedctl.RunAsync("validate", path);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"{path}: cannot read the file:", result.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_Json_ListsJobsAndErrorsWithPositions()
    {
        using var file = new TempFile("jobs", """
            { "jobs": [
              { "name": "ok", "schedule": "@hourly", "command": ["x"] },
              { "name": "bad", "schedule": "@hourly", "command": ["x"], "max_attempts": 0 }
            ] }
            """);

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path, "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        using JsonDocument json = result.Json();
        JsonElement root = json.RootElement;
        Assert.Equal("json", root.GetProperty("format").GetString());
        Assert.False(root.GetProperty("valid").GetBoolean());
        JsonElement error = Assert.Single(root.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Equal(77, error.GetProperty("column").GetInt32());
        Assert.Contains("max_attempts", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_Json_ListsEachJobWithItsScheduleInWordsAndNextRun_AndTheNotes()
    {
        using var file = new TempFile("crontab", """
            MAILTO=ops@example.com
            CRON_TZ=UTC
            30 2 * * * /usr/bin/backup
            @reboot /usr/bin/warm-cache
            """);

        Schedctl.Result result = await Schedctl.RunAsync("validate", file.Path, "--json", "--utc");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = result.Json();
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("valid").GetBoolean());
        Assert.False(root.GetProperty("system").GetBoolean());
        JsonElement[] jobs = [.. root.GetProperty("jobs").EnumerateArray()];
        Assert.Equal("At 02:30 (UTC).", jobs[0].GetProperty("schedule").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT02:30:00\.0000000Z$", jobs[0].GetProperty("next_run").GetString());
        Assert.False(jobs[0].GetProperty("runs_at_start").GetBoolean());
        Assert.True(jobs[1].GetProperty("runs_at_start").GetBoolean());
        Assert.Equal(JsonValueKind.Null, jobs[1].GetProperty("next_run").ValueKind);
        JsonElement note = Assert.Single(root.GetProperty("notes").EnumerateArray());
        Assert.Equal(1, note.GetProperty("line").GetInt32());
        Assert.StartsWith("MAILTO is set, but schedctl sends no mail", note.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
