using System.Globalization;
using System.Text.Json;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// <c>schedctl jobs</c> as a real child process, on a store that a real <c>schedctl run</c> filled (<see cref="PreparedStore"/>), and
/// next to a live <c>schedctl run</c> for cancel and run.
/// </summary>
public sealed partial class JobsCommandTests(JobsCommandTests.PreparedStore prepared) : IClassFixture<JobsCommandTests.PreparedStore>
{
    private string Store => "sqlite:" + prepared.Folder["state.db"];

    private static bool IsRun(string line, string outcome, string job) => RunningSchedctl.IsRun(line, outcome, job);

    [Fact]
    public async Task List_PrintsAnAlignedTable_AndJsonWithTheDesignFields()
    {
        Schedctl.Result table = await Schedctl.RunAsync("jobs", "list", "--store", Store);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.StartsWith("No runner is live: nothing fires now.", table.Lines[0], StringComparison.Ordinal);
        string[] lines = table.Lines[1..];
        Assert.Matches(@"^NAME +ID +STATUS +SCHEDULE +NEXT RUN +LAST RUN +SUCCEEDED +FAILED$", lines[0]);
        string tick = Assert.Single(lines, l => l.StartsWith("tick ", StringComparison.Ordinal));
        Assert.Equal(lines[0].IndexOf("SCHEDULE", StringComparison.Ordinal), tick.IndexOf("* * * * * *", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("later ", StringComparison.Ordinal) && l.Contains("@every 1d", StringComparison.Ordinal));

        Schedctl.Result json = await Schedctl.RunAsync("jobs", "list", "--store", Store, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument document = json.Json();
        JsonElement[] jobs = [.. document.RootElement.GetProperty("jobs").EnumerateArray()];
        Assert.Equal(["tick", "fails", "later", "broken"], jobs.Take(4).Select(j => j.GetProperty("name").GetString()));
        JsonElement first = jobs[0];
        Assert.False(first.GetProperty("paused").GetBoolean());
        Assert.Contains(lines, l => l.StartsWith("tick ", StringComparison.Ordinal) && l.Contains(first.GetProperty("job_id").GetString()!, StringComparison.Ordinal));
        Assert.Equal("cron", first.GetProperty("trigger").GetProperty("type").GetString());
        Assert.Equal("* * * * * *", first.GetProperty("trigger").GetProperty("expression").GetString());
        Assert.True(first.GetProperty("run_count").GetInt32() >= 2);
        Assert.Equal(0, first.GetProperty("failure_count").GetInt32());
        Assert.EndsWith("Z", first.GetProperty("last_run").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("max_runs").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("error").ValueKind);
        Assert.False(string.IsNullOrEmpty(first.GetProperty("job_id").GetString()));
        Assert.Equal(3, jobs[2].GetProperty("max_runs").GetInt32());
        Assert.StartsWith("exit code 3", jobs[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, jobs[2].GetProperty("last_run").ValueKind);

        Schedctl.Result failed = await Schedctl.RunAsync("jobs", "list", "--store", Store, "--status", "cancelled", "--json");
        using JsonDocument none = failed.Json();
        Assert.Equal(0, none.RootElement.GetProperty("jobs").GetArrayLength());
    }

    [Fact]
    public async Task Show_PrintsEveryField_AndTheLastRuns()
    {
        Schedctl.Result text = await Schedctl.RunAsync("jobs", "show", "fails", "--store", Store);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains(text.Lines, l => l.StartsWith("command:", StringComparison.Ordinal) && l.EndsWith("echo broken >&2; exit 3", StringComparison.Ordinal));
        Assert.Contains(text.Lines, l => l.StartsWith("overlap:", StringComparison.Ordinal) && l.EndsWith("skip", StringComparison.Ordinal));
        Assert.Contains(text.Lines, l => l.StartsWith("SCHEDULED ", StringComparison.Ordinal));
        Assert.Contains(text.Lines, l => l.Contains(" failed ", StringComparison.Ordinal) && l.EndsWith("exit code 3: broken", StringComparison.Ordinal));

        // Successes, failures and the history's total are named apart, so none can be read as another.
        Assert.Contains(text.Lines, l => l == "succeeded:     0 runs");
        Assert.Contains(text.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^failed: +[1-9]\d* runs?$"));
        Assert.Contains(text.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^(All \d+|The last 5 of \d+) runs in its history, every outcome \(schedctl jobs history fails for more\):$"));
        Assert.Contains(text.Lines, l => l == "error:         exit code 3: broken");
        Assert.DoesNotContain("Exception", text.Output, StringComparison.Ordinal);

        Schedctl.Result json = await Schedctl.RunAsync("jobs", "show", "tick", "--store", Store, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument document = json.Json();
        JsonElement job = document.RootElement;
        Assert.Equal("tick", job.GetProperty("name").GetString());
        Assert.Equal("schedctl", job.GetProperty("source").GetString());
        Assert.Equal("command", job.GetProperty("task").GetString());
        Assert.Equal(["echo", "tick tock"], job.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("skip", job.GetProperty("options").GetProperty("overlap").GetString());
        JsonElement[] runs = [.. job.GetProperty("recent_runs").EnumerateArray()];
        Assert.InRange(runs.Length, 2, 5);
        Assert.Equal("succeeded", runs[0].GetProperty("outcome").GetString());
        Assert.Equal(0, runs[0].GetProperty("result").GetProperty("exit_code").GetInt32());

        // By id too.
        Schedctl.Result byId = await Schedctl.RunAsync("jobs", "show", job.GetProperty("job_id").GetString()!, "--store", Store);
        Assert.True(byId.ExitCode == 0, byId.ToString());
        Assert.StartsWith("name:", byId.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_IsNewestFirst_Paged_Filtered_AndJson()
    {
        Schedctl.Result table = await Schedctl.RunAsync("jobs", "history", "tick", "-n", "2", "--store", Store);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"^SCHEDULED +STARTED +DURATION +NODE +OUTCOME +ATTEMPT +MARK +DETAIL$", table.Lines[0]);
        Assert.Equal(2, table.Lines.Count(l => l.Contains(" succeeded ", StringComparison.Ordinal) && l.EndsWith("tick tock", StringComparison.Ordinal)));
        Assert.StartsWith("(2 of ", table.Lines[^1], StringComparison.Ordinal);
        Assert.True(string.CompareOrdinal(table.Lines[1], table.Lines[2]) > 0, "newest first");

        Schedctl.Result json = await Schedctl.RunAsync("jobs", "history", "fails", "--outcome", "failed", "--offset", "1", "--json", "--store", Store);
        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument document = json.Json();
        JsonElement root = document.RootElement;
        Assert.Equal("fails", root.GetProperty("name").GetString());
        Assert.Equal(1, root.GetProperty("offset").GetInt32());
        JsonElement[] runs = [.. root.GetProperty("runs").EnumerateArray()];
        Assert.Equal(root.GetProperty("total").GetInt32() - 1, runs.Length);
        Assert.All(runs, r => Assert.Equal("failed", r.GetProperty("outcome").GetString()));
        Assert.All(runs, r => Assert.False(r.GetProperty("manual").GetBoolean()));
        DateTimeOffset[] started = [.. runs.Select(r => DateTimeOffset.Parse(r.GetProperty("started").GetString()!, CultureInfo.InvariantCulture))];
        Assert.Equal(started.OrderDescending(), started);

        Schedctl.Result bad = await Schedctl.RunAsync("jobs", "history", "tick", "--outcome", "great", "--store", Store);
        Assert.Equal(2, bad.ExitCode);

        // -n 0 counts without listing: it says how many there are, not that there are none past an offset nobody gave.
        Schedctl.Result none = await Schedctl.RunAsync("jobs", "history", "tick", "-n", "0", "--store", Store);
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.Matches(@"^Job 'tick' \([0-9a-z]+\) has \d+ runs?; -n 0 shows none of them\.$", Assert.Single(none.Lines));
        Schedctl.Result past = await Schedctl.RunAsync("jobs", "history", "tick", "--offset", "100000", "--store", Store);
        Assert.Matches(@"^No runs past the first \d+\.$", Assert.Single(past.Lines));
    }

    [Theory]
    [InlineData("show")]
    [InlineData("history")]
    [InlineData("cancel")]
    [InlineData("run")]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("delete")]
    public async Task UnknownJob_IsExitCodeOne_WithAHintToList(string command)
    {
        Schedctl.Result result = await Schedctl.RunAsync("jobs", command, "nope", "--store", Store);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"schedctl: no job named or with id 'nope' in {Store}.", result.Error, StringComparison.Ordinal);
        Assert.Contains("schedctl jobs list", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("show", "tick")]
    [InlineData("history", "tick")]
    [InlineData("cancel", "tick")]
    [InlineData("pause", "tick")]
    [InlineData("delete", "tick")]
    public async Task MissingStore_IsAnError_AndIsNotCreated(string command, string? job = null)
    {
        using var folder = new TempFolder();
        string path = folder["none.db"];

        Schedctl.Result result = await Schedctl.RunAsync(["jobs", command, .. job is null ? Array.Empty<string>() : [job], "--store", "sqlite:" + path]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"schedctl: no store at {path}", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Cancel_WhileSchedctlRunIsLive_StopsTheJobThere_AndIsIdempotent()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "doomed", "schedule": "* * * * * *", "command": ["echo", "doomed"] },
                        { "name": "other", "schedule": "* * * * * *", "command": ["echo", "other"] } ] }
            """);
        string store = "sqlite:" + folder["state.db"];
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await run.WaitForLineAsync(line => IsRun(line, "ok", "doomed"));

        Schedctl.Result cancel = await Schedctl.RunAsync("jobs", "cancel", "doomed", "--store", store);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        string cancelled = Assert.Single(cancel.Lines);
        Assert.StartsWith("Cancelled job 'doomed' (", cancelled, StringComparison.Ordinal);
        Assert.EndsWith("; it will not run again. The next 'schedctl run' of a jobs file that still declares it adds it back as a new job: " +
            "remove it from the file too.", cancelled, StringComparison.Ordinal);

        await AssertNoMoreRunsAsync(run, "doomed", "other");
        await run.WaitForErrorAsync("job 'doomed' was cancelled elsewhere (schedctl jobs cancel); it will not run again, and a running command " +
            "of it is stopped. The next start of schedctl run adds it back as a new job while the file declares it.");

        Schedctl.Result again = await Schedctl.RunAsync("jobs", "cancel", "doomed", "--store", store);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("was already cancelled", again.Output, StringComparison.Ordinal);
        Schedctl.Result list = await Schedctl.RunAsync("jobs", "list", "--status", "cancelled", "--store", store);
        Assert.Contains(list.Lines, l => l.StartsWith("doomed ", StringComparison.Ordinal));

        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    /// <summary>
    /// Asserts that a live runner makes no more runs of <paramref name="stopped"/> while it goes on with <paramref name="other"/>:
    /// a run that had started may still finish, and the runner sees a change at its next poll; after that, none come.
    /// </summary>
    private static async Task AssertNoMoreRunsAsync(RunningSchedctl run, string stopped, string other)
    {
        await run.WaitForLineAsync(line => IsRun(line, "ok", other));
        await run.WaitForLineAsync(line => IsRun(line, "ok", other));
        int runs = run.Output.Count(line => IsRun(line, "ok", stopped));
        for (int i = 0; i < 3; i++)
        {
            await run.WaitForLineAsync(line => IsRun(line, "ok", other));
        }

        Assert.Equal(runs, run.Output.Count(line => IsRun(line, "ok", stopped)));
    }

    [Fact]
    public async Task Run_WhileSchedctlRunIsLive_RunsTheCommandHere_AndRecordsAManualRun()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "hello", "schedule": "@yearly", "shell": true, "command": "echo hello from $GREETING", "env": { "GREETING": "jobs run" } },
                        { "name": "broken", "schedule": "@yearly", "shell": true, "command": "echo half; echo bad >&2; exit 4" },
                        { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick"] } ] }
            """);
        string store = "sqlite:" + folder["state.db"];
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));

        Schedctl.Result hello = await Schedctl.RunAsync("jobs", "run", "hello", "--store", store);
        Assert.True(hello.ExitCode == 0, hello.ToString());
        Assert.Equal("hello from jobs run", hello.Output.Trim());
        Assert.Contains("manual run", hello.Error, StringComparison.Ordinal);

        Schedctl.Result broken = await Schedctl.RunAsync("jobs", "run", "broken", "--store", store);
        Assert.True(broken.ExitCode == 1, broken.ToString());
        Assert.Equal("half", broken.Output.Trim());
        Assert.Contains("bad", broken.Error, StringComparison.Ordinal);
        Assert.Contains("failed, exit code 4", broken.Error, StringComparison.Ordinal);

        // The runner is undisturbed, and the history has the manual runs, marked.
        await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
        Schedctl.Result history = await Schedctl.RunAsync("jobs", "history", "hello", "--json", "--store", store);
        using JsonDocument document = history.Json();
        JsonElement record = Assert.Single(document.RootElement.GetProperty("runs").EnumerateArray());
        Assert.True(record.GetProperty("manual").GetBoolean());
        Assert.Equal("succeeded", record.GetProperty("outcome").GetString());
        Schedctl.Result table = await Schedctl.RunAsync("jobs", "history", "broken", "--store", store);
        Assert.Contains(table.Lines, l => l.Contains(" failed ", StringComparison.Ordinal) && l.Contains(" manual ", StringComparison.Ordinal));

        Assert.Equal(0, (await Schedctl.RunAsync("jobs", "cancel", "hello", "--store", store)).ExitCode);
        Schedctl.Result cancelled = await Schedctl.RunAsync("jobs", "run", "hello", "--store", store);
        Assert.True(cancelled.ExitCode == 1, cancelled.ToString());
        Assert.Contains("is cancelled", cancelled.Error, StringComparison.Ordinal);

        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    /// <summary>A store filled by a real <c>schedctl run</c>: a job that succeeds every second, one that fails, one that has not run.</summary>
    public sealed class PreparedStore : IAsyncLifetime
    {
        internal TempFolder Folder { get; } = new();

        public async ValueTask InitializeAsync()
        {
            Folder.Write("jobs.json", """
                { "jobs": [ { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick tock"], "overlap": "skip" },
                            { "name": "fails", "schedule": "* * * * * *", "shell": true, "command": "echo broken >&2; exit 3", "overlap": "skip" },
                            { "name": "later", "trigger": { "type": "interval", "days": 1 }, "command": ["true"], "max_runs": 3 },
                            { "name": "broken", "schedule": "@yearly", "shell": true, "command": "echo out; echo err >&2; exit 5" },
                            { "name": "LONG_ASCII", "schedule": "@yearly", "command": ["true"] },
                            { "name": "LONG_CJK", "schedule": "@yearly", "command": ["true"] },
                            { "name": "LONG_EMOJI", "schedule": "@yearly", "command": ["true"] },
                            { "name": "LONG_COMBINING", "schedule": "@yearly", "command": ["true"] },
                            { "name": "manual", "schedule": "@yearly", "command": ["echo", "manual"] } ] }
                """.Replace("LONG_ASCII", HostileNames[0], StringComparison.Ordinal).Replace("LONG_CJK", HostileNames[1], StringComparison.Ordinal)
                .Replace("LONG_EMOJI", HostileNames[2], StringComparison.Ordinal).Replace("LONG_COMBINING", HostileNames[3], StringComparison.Ordinal));
            await using RunningSchedctl run = RunningSchedctl.Start(Folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
            for (int i = 0; i < 3; i++)
            {
                await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
            }

            await run.WaitForLineAsync(line => IsRun(line, "failed", "fails"));
            await run.WaitForLineAsync(line => IsRun(line, "failed", "fails"));
            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());

            // A jobs file refuses control characters in names, but a store can hold any name another program gave it (the
            // library's API, a future MCP caller): the jobs commands must still print it safely.
            using var store = new SqliteJobStore(System.IO.Path.Combine(Folder.Path, "state.db"));
            await using var scheduler = new Scheduler(new SchedulerOptions { Store = store });
            scheduler.RegisterTask("command", (JobContext _, CancellationToken _) => Task.FromResult<object?>(null));
            scheduler.Schedule("command", Triggers.Cron("@yearly"), ["echo", "\u001b[31mred"], name: "evil\u001b[2Jname\nsecond line");
        }

        public ValueTask DisposeAsync()
        {
            Folder.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
