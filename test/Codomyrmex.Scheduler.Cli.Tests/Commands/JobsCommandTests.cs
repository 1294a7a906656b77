using System.Globalization;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// <c>schedctl jobs</c> as a real child process, on a store that a real <c>schedctl run</c> filled (<see cref="PreparedStore"/>), and
/// next to a live <c>schedctl run</c> for cancel and run.
/// </summary>
public sealed class JobsCommandTests(JobsCommandTests.PreparedStore prepared) : IClassFixture<JobsCommandTests.PreparedStore>
{
    private string Store => "sqlite:" + prepared.Folder["state.db"];

    private static bool IsRun(string line, string outcome, string job) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, var o, var j, ..] && o == outcome && j == job;

    [Fact]
    public async Task List_PrintsAnAlignedTable_AndJsonWithTheDesignFields()
    {
        Schedctl.Result table = await Schedctl.RunAsync("jobs", "list", "--store", Store);
        Assert.True(table.ExitCode == 0, table.ToString());
        string[] lines = table.Lines;
        Assert.Matches(@"^NAME +STATUS +SCHEDULE +NEXT RUN +LAST RUN +RUNS +FAILURES$", lines[0]);
        string tick = Assert.Single(lines, l => l.StartsWith("tick ", StringComparison.Ordinal));
        Assert.Equal(lines[0].IndexOf("SCHEDULE", StringComparison.Ordinal), tick.IndexOf("* * * * * *", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("later ", StringComparison.Ordinal) && l.Contains("@every 1d", StringComparison.Ordinal));

        Schedctl.Result json = await Schedctl.RunAsync("jobs", "list", "--store", Store, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument document = json.Json();
        JsonElement[] jobs = [.. document.RootElement.EnumerateArray()];
        Assert.Equal(["tick", "fails", "later"], jobs.Select(j => j.GetProperty("name").GetString()));
        JsonElement first = jobs[0];
        Assert.Equal("cron", first.GetProperty("trigger").GetProperty("type").GetString());
        Assert.Equal("* * * * * *", first.GetProperty("trigger").GetProperty("expression").GetString());
        Assert.True(first.GetProperty("run_count").GetInt32() >= 2);
        Assert.Equal(0, first.GetProperty("failure_count").GetInt32());
        Assert.EndsWith("Z", first.GetProperty("last_run").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("max_runs").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("error").ValueKind);
        Assert.False(string.IsNullOrEmpty(first.GetProperty("job_id").GetString()));
        Assert.Equal(3, jobs[2].GetProperty("max_runs").GetInt32());
        Assert.Contains("exit code 3", jobs[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, jobs[2].GetProperty("last_run").ValueKind);

        Schedctl.Result failed = await Schedctl.RunAsync("jobs", "list", "--store", Store, "--status", "cancelled", "--json");
        using JsonDocument none = failed.Json();
        Assert.Equal(0, none.RootElement.GetArrayLength());
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
    }

    [Theory]
    [InlineData("show")]
    [InlineData("history")]
    [InlineData("cancel")]
    [InlineData("run")]
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
        Assert.StartsWith("Cancelled job 'doomed' (", Assert.Single(cancel.Lines), StringComparison.Ordinal);

        // A run that had started may still finish; after that (and the runner's poll), none come.
        await run.WaitForLineAsync(line => IsRun(line, "ok", "other"));
        await run.WaitForLineAsync(line => IsRun(line, "ok", "other"));
        int doomedRuns = run.Output.Count(line => IsRun(line, "ok", "doomed"));
        for (int i = 0; i < 3; i++)
        {
            await run.WaitForLineAsync(line => IsRun(line, "ok", "other"));
        }

        Assert.Equal(doomedRuns, run.Output.Count(line => IsRun(line, "ok", "doomed")));

        Schedctl.Result again = await Schedctl.RunAsync("jobs", "cancel", "doomed", "--store", store);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("was already cancelled", again.Output, StringComparison.Ordinal);
        Schedctl.Result list = await Schedctl.RunAsync("jobs", "list", "--status", "cancelled", "--store", store);
        Assert.Contains(list.Lines, l => l.StartsWith("doomed ", StringComparison.Ordinal));

        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
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
                            { "name": "later", "trigger": { "type": "interval", "days": 1 }, "command": ["true"], "max_runs": 3 } ] }
                """);
            await using RunningSchedctl run = RunningSchedctl.Start(Folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
            for (int i = 0; i < 3; i++)
            {
                await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
            }

            await run.WaitForLineAsync(line => IsRun(line, "failed", "fails"));
            await run.WaitForLineAsync(line => IsRun(line, "failed", "fails"));
            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());
        }

        public ValueTask DisposeAsync()
        {
            Folder.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
