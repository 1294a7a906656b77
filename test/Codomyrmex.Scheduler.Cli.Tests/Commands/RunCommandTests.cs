using System.Diagnostics;
using System.Text.Json;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary><c>schedctl run</c> as a real child process: jobs firing every second, signals, restarts, bad files, a second runner.</summary>
public sealed class RunCommandTests
{
    private const string EverySecondTick = """
        { "jobs": [ { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick tock"] } ] }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsRun(string line, string outcome, string job) => RunningSchedctl.IsRun(line, outcome, job);

    private static async Task<(Job Job, RunPage Runs)> ReadHistoryAsync(string database, string jobName, bool includeCancelled = false)
    {
        await using var store = new SqliteJobStore(database);
        Job job = (await store.ListAsync(default, Ct)).Items.Single(j => j.Name == jobName && (includeCancelled || j.Status != JobStatus.Cancelled));
        return (job, await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Ct));
    }

    [Fact]
    public async Task Run_AJobEverySecond_LogsEachRun_StopsCleanlyOnSigterm_AndKeepsItsHistory()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", EverySecondTick);
        await using (RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            string first = await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
            await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
            Assert.Contains("exit 0", first, StringComparison.Ordinal);
            Assert.EndsWith("tick tock", first, StringComparison.Ordinal);
            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());
            Assert.Contains("1 added", run.Error, StringComparison.Ordinal);
            Assert.Contains("schedctl: stopped.", run.Error, StringComparison.Ordinal);
        }

        (Job job, RunPage history) = await ReadHistoryAsync(folder["state.db"], "tick");
        Assert.True(history.Total >= 2, $"{history.Total} runs recorded");
        Assert.All(history.Items, r => Assert.Equal(RunOutcome.Succeeded, r.Outcome));
        Assert.Contains("\"exit_code\":0", history.Items[0].Result, StringComparison.Ordinal);
        Assert.Contains("tick tock", history.Items[0].Result, StringComparison.Ordinal);
        Assert.Equal(job.RunCount, history.Total);
    }

    [Fact]
    public async Task Run_SigtermDuringACommand_WaitsForItToFinish_LongerThanSystemCommandLinesTwoSeconds()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "slow", "schedule": "* * * * * *", "shell": true,
                          "command": "echo go > started; sleep 3; echo finished" } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await TestFiles.WaitForFileAsync(folder["started"]);
        await run.SignalAsync("TERM");
        string done = await run.WaitForLineAsync(line => IsRun(line, "ok", "slow"));
        Assert.EndsWith("finished", done, StringComparison.Ordinal);
        Assert.Equal(0, await run.ExitCodeAsync());
        Assert.Contains("stopping; waiting up to 30s for 1 running job(s)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RestartedWithAChangedFile_AddsAndRemovesByName_KeepingTheHistoryOfJobsThatStayed()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick"] },
                        { "name": "gone", "schedule": "0 3 * * *", "command": ["echo", "gone"] } ] }
            """);
        await using (RunningSchedctl first = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            await first.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
            await first.SignalAsync("TERM");
            Assert.Equal(0, await first.ExitCodeAsync());
        }

        (Job before, RunPage historyBefore) = await ReadHistoryAsync(folder["state.db"], "tick");
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick"] },
                        { "name": "new", "schedule": "* * * * * *", "command": ["echo", "new"] } ] }
            """);
        await using (RunningSchedctl second = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            await second.WaitForLineAsync(line => IsRun(line, "ok", "new"));
            await second.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
            await second.SignalAsync("TERM");
            Assert.Equal(0, await second.ExitCodeAsync());
            Assert.Contains("1 added: new; 0 updated; 1 removed: gone; 1 unchanged", second.Error, StringComparison.Ordinal);
        }

        (Job after, RunPage historyAfter) = await ReadHistoryAsync(folder["state.db"], "tick");
        Assert.Equal(before.Id, after.Id);
        Assert.True(historyAfter.Total > historyBefore.Total);
        Assert.Contains(historyBefore.Items[0].RunId, historyAfter.Items.Select(r => r.RunId));
        await using var store = new SqliteJobStore(folder["state.db"]);
        Assert.Equal(JobStatus.Cancelled, (await store.ListAsync(default, Ct)).Items.Single(j => j.Name == "gone").Status);
    }

    [Fact]
    public async Task Run_OfAnotherFile_OnTheSameStore_RemovesTheFirstFilesJobs_ForEveryRunDeclaresUnderTheSourceSchedctl()
    {
        using var folder = new TempFolder();
        string a = folder.Write("a.json", """{ "jobs": [ { "name": "a", "schedule": "0 3 * * *", "command": ["true"] } ] }""");
        string b = folder.Write("b.json", """{ "jobs": [ { "name": "b", "schedule": "0 3 * * *", "command": ["true"] } ] }""");
        string store = "sqlite:" + folder["state.db"];
        (string File, string Changes)[] runs = [(a, "1 added: a; 0 updated; 0 removed; 0 unchanged"), (b, "1 added: b; 0 updated; 1 removed: a; 0 unchanged")];
        foreach ((string file, string changes) in runs)
        {
            await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", file, "--store", store);
            await run.WaitForErrorAsync("SIGINT or SIGTERM stops");
            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());
            Assert.Contains(changes, run.Error, StringComparison.Ordinal);
        }

        // What `jobs list --source` takes is the source `jobs show` prints, not a file's path.
        Assert.Equal(["b"], await ListAsync("--source", "schedctl", "--status", "pending"));
        Assert.Equal(["a", "b"], await ListAsync("--source", "schedctl"));
        Assert.Empty(await ListAsync("--source", b));

        async Task<string[]> ListAsync(params string[] filter)
        {
            string[] args = ["jobs", "list", "--store", store, "--json", .. filter];
            Schedctl.Result list = await Schedctl.RunAsync(args);
            Assert.True(list.ExitCode == 0, list.ToString());
            using JsonDocument document = list.Json();
            return [.. document.RootElement.GetProperty("jobs").EnumerateArray().Select(job => job.GetProperty("name").GetString()!)];
        }
    }

    [Fact]
    public async Task Run_ABrokenJobsFile_ListsEveryError_AndStartsNothing()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "a", "schedule": "61 * * * *", "command": ["true"] },
                        { "name": "b", "schedule": "* * * * *" } ] }
            """);
        Schedctl.Result result = await Schedctl.RunAsync("run", folder["jobs.json"], "--store", "sqlite:" + folder["state.db"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("jobs.json:1:", result.Error, StringComparison.Ordinal);
        Assert.Contains("jobs.json:2:", result.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was started", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder["state.db"]));
    }

    [Theory]
    [InlineData("--kill-timeout", "abc", "no number before it")]
    [InlineData("--kill-timeout", "-1s", "must not be negative")]
    [InlineData("--kill-timeout", "99999999d", "longer than the longest duration")]
    [InlineData("--kill-timeout", "", "it is empty")]
    [InlineData("--grace", "5 minutes", "--grace '5 minutes'")]
    public async Task Run_ABadDurationOption_IsAUsageError_NamingTheOptionAndValue_AndStartsNothing(string option, string value, string says)
    {
        string error = await RefusedAsync(option, value);
        Assert.Contains($"schedctl run: {option} '{value}': ", error, StringComparison.Ordinal);
        Assert.Contains(says, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--workers", "0", "--workers is 0; it must be from 1 to 10000.")]
    [InlineData("--workers", "10001", "--workers is 10001; it must be from 1 to 10000.")]
    [InlineData("--workers", "2147483647", "--workers is 2147483647; it must be from 1 to 10000.")]
    [InlineData("--lease", "0s", "--lease '0s': it must be at least 1s, the shortest lease the heartbeat keeps.")]
    [InlineData("--lease", "1ms", "--lease '1ms': it must be at least 1s, the shortest lease the heartbeat keeps.")]
    [InlineData("--lease", "999ms", "--lease '999ms': it must be at least 1s, the shortest lease the heartbeat keeps.")]
    public async Task Run_WorkersOrLeaseBeyondTheirBounds_IsAUsageError_NamingTheBound_AndStartsNothing(string option, string value, string says)
    {
        Assert.Equal("schedctl run: " + says, (await RefusedAsync(option, value)).TrimEnd('\n'));
    }

    /// <summary>Runs a file with one bad option: a usage error that makes no store. Its stderr.</summary>
    private static async Task<string> RefusedAsync(string option, string value)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", EverySecondTick);
        Schedctl.Result result = await Schedctl.RunAsync("run", folder["jobs.json"], "--store", "sqlite:" + folder["state.db"], option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(folder["state.db"]));
        return result.Error;
    }

    [Fact]
    public async Task RunHelp_NamesTheWorkersBound_AndTheLeaseMinimumAndBothDefaults()
    {
        Schedctl.Result result = await Schedctl.RunAsync("run", "--help");
        string help = string.Join(" ", result.Output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("How many commands may run at once, from 1 to 10000.", help, StringComparison.Ordinal);
        Assert.Contains("At least 1s. Default: 3s on PostgreSQL, 5m on other stores.", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ASecondRunnerOnTheSameStore_IsRefused_NamingTheFirst()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", EverySecondTick);
        await using RunningSchedctl first = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await first.WaitForErrorAsync("SIGINT or SIGTERM stops");

        Schedctl.Result second = await Schedctl.RunAsync("run", folder["jobs.json"], "--store", "sqlite:" + folder["state.db"]);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains(first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("added", second.Error, StringComparison.Ordinal);
        await first.SignalAsync("TERM");
        Assert.Equal(0, await first.ExitCodeAsync());
    }

    [Fact]
    public async Task Run_JsonLogFormat_WritesEveryLineAsJson_RunsAndSchedctlsOwnEvents()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "fails", "schedule": "* * * * * *", "shell": true, "command": "echo broken >&2; exit 3" } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db", "--log-format", "json");
        string line = await run.WaitForLineAsync(l => l.Contains("\"outcome\"", StringComparison.Ordinal));
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
        Assert.Equal("", run.Error);

        using JsonDocument json = JsonDocument.Parse(line);
        JsonElement root = json.RootElement;
        Assert.Equal("fails", root.GetProperty("job").GetString());
        Assert.Equal("failed", root.GetProperty("outcome").GetString());
        Assert.Equal(3, root.GetProperty("exit_code").GetInt32());
        Assert.Equal("exit code 3: broken", root.GetProperty("error").GetString());
        Assert.True(root.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("time").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));

        List<JsonElement> events = [.. run.Output.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("event", out _))];
        Assert.Equal(["started", "stopping", "stopped"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(["fails"], events[0].GetProperty("added").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Run_ACommandThatLeavesAChildHoldingItsOutput_StillEnds()
    {
        // The background sleep outlives the test's patience (30 s): a runner that waited for the end of the output would time out.
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "detach", "schedule": "* * * * * *", "shell": true, "command": "sleep 40 & echo started", "max_runs": 1 } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        string line = await run.WaitForLineAsync(l => IsRun(l, "ok", "detach"));
        Assert.EndsWith("started", line, StringComparison.Ordinal);
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    [Fact]
    public async Task Run_AMissingWorkingFolder_FailsTheRun_NamingTheFolder()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "lost", "schedule": "* * * * * *", "command": ["true"], "working_dir": "/no/such/folder", "max_runs": 1 } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        string line = await run.WaitForLineAsync(l => IsRun(l, "failed", "lost"));
        Assert.Contains("The working folder '/no/such/folder' does not exist.", line, StringComparison.Ordinal);
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    [Fact]
    public async Task Run_AJobCancelledFromAnotherProcess_HasItsRunningCommandStopped()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "long", "schedule": "* * * * * *", "shell": true, "command": "echo go > started; sleep 60" } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await TestFiles.WaitForFileAsync(folder["started"]);

        Schedctl.Result cancel = await Schedctl.RunAsync("jobs", "cancel", "long", "--store", "sqlite:" + folder["state.db"]);
        Assert.Equal(0, cancel.ExitCode);

        // The runner notices the cancel through the store and cancels the run's token, which kills the command.
        var clock = Stopwatch.StartNew();
        RunPage history;
        do
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the cancelled job's command was never stopped");
            await Task.Delay(100, Ct);
            (_, history) = await ReadHistoryAsync(folder["state.db"], "long", includeCancelled: true);
        }
        while (history.Total == 0);

        RunRecord stopped = Assert.Single(history.Items);
        Assert.Equal(RunOutcome.Cancelled, stopped.Outcome);
        Assert.True(stopped.Duration < TimeSpan.FromSeconds(30));
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }
}
