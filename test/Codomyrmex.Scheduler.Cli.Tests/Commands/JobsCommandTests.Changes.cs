using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary><c>schedctl jobs pause|resume|delete|purge</c>, next to a live <c>schedctl run</c> where it matters.</summary>
public sealed partial class JobsCommandTests
{
    [Fact]
    public async Task Pause_WhileSchedctlRunIsLive_StopsItsRuns_ResumeStartsThemAgain_ListNamesTheRunner()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick"], "misfire": "skip" },
                        { "name": "other", "schedule": "* * * * * *", "command": ["echo", "other"] } ] }
            """);
        string store = "sqlite:" + folder["state.db"];
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));

        Schedctl.Result pause = await Schedctl.RunAsync("jobs", "pause", "tick", "--store", store);
        Assert.True(pause.ExitCode == 0, pause.ToString());
        Assert.StartsWith("Paused job 'tick' (", Assert.Single(pause.Lines), StringComparison.Ordinal);
        Schedctl.Result again = await Schedctl.RunAsync("jobs", "pause", "tick", "--store", store);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.EndsWith("was already paused.", Assert.Single(again.Lines), StringComparison.Ordinal);

        Schedctl.Result list = await Schedctl.RunAsync("jobs", "list", "--store", store);
        Assert.StartsWith($"Runner: process {run.Id} (schedctl) on {Environment.MachineName}, running these jobs since ", list.Lines[0], StringComparison.Ordinal);
        Assert.Contains(list.Lines, l => l.StartsWith("tick ", StringComparison.Ordinal) && l.Contains("(paused)", StringComparison.Ordinal));
        Assert.Contains(list.Lines, l => l.StartsWith("other ", StringComparison.Ordinal) && !l.Contains("(paused)", StringComparison.Ordinal));

        await AssertNoMoreRunsAsync(run, "tick", "other");

        Schedctl.Result resume = await Schedctl.RunAsync("jobs", "resume", "tick", "--store", store);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.StartsWith("Resumed job 'tick' (", Assert.Single(resume.Lines), StringComparison.Ordinal);
        await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
        Schedctl.Result notPaused = await Schedctl.RunAsync("jobs", "resume", "tick", "--store", store);
        Assert.EndsWith("is not paused.", Assert.Single(notPaused.Lines), StringComparison.Ordinal);

        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
        Schedctl.Result after = await Schedctl.RunAsync("jobs", "list", "--store", store);
        Assert.StartsWith("No runner is live: nothing fires now.", after.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_ARunningJob_IsRefused_OnceItEndedItGoesWithItsHistory()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "sleeper", "schedule": "* * * * * *", "command": ["sleep", "30"], "overlap": "skip" },
                        { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick"] } ] }
            """);
        string store = "sqlite:" + folder["state.db"];
        await using (RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db", "--grace", "1s"))
        {
            // An occurrence skipped because the last one is still running: a run is in progress now.
            await run.WaitForLineAsync(line => IsRun(line, "skipped", "sleeper"));
            Schedctl.Result refused = await Schedctl.RunAsync("jobs", "delete", "sleeper", "--store", store);
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("has a run in progress, so it was not deleted", refused.Error, StringComparison.Ordinal);
            Assert.Contains("schedctl jobs cancel sleeper", refused.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", refused.Error, StringComparison.Ordinal);
            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());
        }

        Schedctl.Result history = await Schedctl.RunAsync("jobs", "history", "sleeper", "--json", "--store", store);
        int runs = history.Json().RootElement.GetProperty("total").GetInt32();
        Assert.True(runs > 0, history.ToString());
        Schedctl.Result deleted = await Schedctl.RunAsync("jobs", "delete", "sleeper", "--store", store);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Matches($@"^Deleted job 'sleeper' \([0-9a-z]+\) and the {runs} runs? of its history\. The next 'schedctl run' of a jobs file " +
            "that still declares it adds it back as a new job: remove it from the file too\\.$", Assert.Single(deleted.Lines));
        Schedctl.Result gone = await Schedctl.RunAsync("jobs", "show", "sleeper", "--store", store);
        Assert.True(gone.ExitCode == 1, gone.ToString());
        Schedctl.Result list = await Schedctl.RunAsync("jobs", "list", "--json", "--store", store);
        Assert.Equal(["tick"], list.Json().RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Delete_AJobWhoseRunnerWasKilled_SaysNoRunnerIsLive_AndTheNextRunnerRecoversTheRun()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "stuck", "schedule": "* * * * * *", "shell": true, "command": "echo $$ > started; sleep 60" } ] }
            """);
        string store = "sqlite:" + folder["state.db"];
        await using (RunningSchedctl run = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            await TestFiles.WaitForFileAsync(folder["started"]);
            await run.SignalGroupAsync("KILL");
            await run.ExitCodeAsync();
        }

        Assert.Equal(0, (await Schedctl.RunAsync("jobs", "cancel", "stuck", "--store", store)).ExitCode);
        Schedctl.Result refused = await Schedctl.RunAsync("jobs", "delete", "stuck", "--store", store);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("has a run in progress, so it was not deleted", refused.Error, StringComparison.Ordinal);
        Assert.Contains("No runner is live, so the run is either a 'schedctl jobs run' still going in another shell, or was left by a " +
            "schedctl that ended abruptly: the next 'schedctl run' on this store records that one as interrupted. Then delete it once the " +
            "run has ended.", refused.Error, StringComparison.Ordinal);

        // As the message says: a runner starts (with no jobs of its own), recovers the run, and the delete goes through.
        folder.Write("none.json", """{ "jobs": [] }""");
        await using (RunningSchedctl next = RunningSchedctl.Start(folder.Path, "run", "none.json", "--store", "sqlite:state.db"))
        {
            await next.WaitForLineAsync(line => RunningSchedctl.IsRun(line, "interrupted", "stuck"));
            await next.SignalAsync("TERM");
            Assert.Equal(0, await next.ExitCodeAsync());
        }

        Schedctl.Result deleted = await Schedctl.RunAsync("jobs", "delete", "stuck", "--store", store);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Matches(@"^Deleted job 'stuck' \([0-9a-z]+\) and the 1 run of its history\. ", Assert.Single(deleted.Lines));
    }

    [Fact]
    public async Task CancelledJobThatCameBack_HasARowOfItsOwn_AndPurgeDeletesOnlyTheFinishedOne()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "doomed", "schedule": "* * * * * *", "command": ["echo", "doomed"] } ] }
            """);
        string store = "sqlite:" + folder["state.db"];
        await RunUntilAsync(folder, "doomed");
        Assert.Equal(0, (await Schedctl.RunAsync("jobs", "cancel", "doomed", "--store", store)).ExitCode);
        await RunUntilAsync(folder, "doomed"); // the file still declares it: run adds it again, as a new job

        Schedctl.Result json = await Schedctl.RunAsync("jobs", "list", "--json", "--store", store);
        JsonElement[] jobs = [.. json.Json().RootElement.GetProperty("jobs").EnumerateArray()];
        Assert.Equal(["doomed", "doomed"], jobs.Select(j => j.GetProperty("name").GetString()));
        Assert.Equal(["cancelled", "pending"], jobs.Select(j => j.GetProperty("status").GetString()));
        string cancelledId = jobs[0].GetProperty("job_id").GetString()!;
        Assert.EndsWith("Z", jobs[0].GetProperty("finished_at").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, jobs[1].GetProperty("finished_at").ValueKind);
        string liveId = jobs[1].GetProperty("job_id").GetString()!;
        Schedctl.Result table = await Schedctl.RunAsync("jobs", "list", "--store", store);
        Assert.Contains(table.Lines, l => l.StartsWith("doomed ", StringComparison.Ordinal) && l.Contains(cancelledId, StringComparison.Ordinal) && l.Contains(" cancelled ", StringComparison.Ordinal));
        Assert.Contains(table.Lines, l => l.StartsWith("doomed ", StringComparison.Ordinal) && l.Contains(liveId, StringComparison.Ordinal) && l.Contains(" pending ", StringComparison.Ordinal));

        // Not old enough yet: nothing goes.
        Schedctl.Result young = await Schedctl.RunAsync("jobs", "purge", "--finished", "--older-than", "1d", "--store", store);
        Assert.True(young.ExitCode == 0, young.ToString());
        Assert.Equal("No job finished more than 1d ago; nothing was deleted.", Assert.Single(young.Lines));

        Schedctl.Result dryRun = await Schedctl.RunAsync("jobs", "purge", "--finished", "--older-than", "0s", "--dry-run", "--json", "--store", store);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        JsonElement planned = dryRun.Json().RootElement;
        Assert.True(planned.GetProperty("dry_run").GetBoolean());
        Assert.Equal([cancelledId], planned.GetProperty("deleted").EnumerateArray().Select(j => j.GetProperty("job_id").GetString()));
        Assert.Equal(2, (await Schedctl.RunAsync("jobs", "list", "--json", "--store", store)).Json().RootElement.GetProperty("jobs").GetArrayLength());

        Schedctl.Result purge = await Schedctl.RunAsync("jobs", "purge", "--finished", "--older-than", "0s", "--store", store);
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.Equal("Deleted 1 job that finished more than 0s ago, with their history:", purge.Lines[0]);
        Assert.Contains(purge.Lines, l => l.StartsWith("doomed ", StringComparison.Ordinal) && l.Contains(cancelledId, StringComparison.Ordinal));
        JsonElement[] left = [.. (await Schedctl.RunAsync("jobs", "list", "--json", "--store", store)).Json().RootElement.GetProperty("jobs").EnumerateArray()];
        Assert.Equal([liveId], left.Select(j => j.GetProperty("job_id").GetString()));
        Assert.Equal(1, (await Schedctl.RunAsync("jobs", "history", cancelledId, "--store", store)).ExitCode);
    }

    [Theory]
    [InlineData("10000000d")]
    [InlineData("10675199.02:48:05")]
    [InlineData("0s")]
    public async Task Purge_AnyValidAge_EvenLongerThanTheCalendar_KeepsJobsThatMayStillRun(string age)
    {
        Schedctl.Result result = await Schedctl.RunAsync("jobs", "purge", "--finished", "--older-than", age, "--store", Store);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("No job finished more than ", Assert.Single(result.Lines), StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    public async Task PauseOrResume_AFinishedJob_SaysThereIsNothingToDo(string command)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """{ "jobs": [ { "name": "done", "schedule": "* * * * * *", "command": ["true"] } ] }""");
        string store = "sqlite:" + folder["state.db"];
        await RunUntilAsync(folder, "done");
        Assert.Equal(0, (await Schedctl.RunAsync("jobs", "cancel", "done", "--store", store)).ExitCode);

        Schedctl.Result result = await Schedctl.RunAsync("jobs", command, "done", "--store", store);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith($"is cancelled: it never runs again, so there is nothing to {command}.", Assert.Single(result.Lines), StringComparison.Ordinal);
        using JsonDocument job = (await Schedctl.RunAsync("jobs", "show", "done", "--json", "--store", store)).Json();
        Assert.False(job.RootElement.GetProperty("paused").GetBoolean());
    }

    public static TheoryData<string, string> HostileJobArguments()
    {
        var data = new TheoryData<string, string>();
        foreach (string command in new[] { "pause", "resume", "delete" })
        {
            foreach (string job in new[] { "", "   ", new string('x', 10_000), "💥", "../../etc/passwd", "' OR 1=1; DROP TABLE jobs; --", "TICK" })
            {
                data.Add(command, job);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileJobArguments))]
    public async Task Change_AJobThatIsNotThere_IsExitCodeOne_AndChangesNothing(string command, string job)
    {
        string before = (await Schedctl.RunAsync("jobs", "list", "--json", "--store", Store)).Output;

        Schedctl.Result result = await Schedctl.RunAsync("jobs", command, job, "--store", Store);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("schedctl: no job named or with id '", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
        Assert.Equal(before, (await Schedctl.RunAsync("jobs", "list", "--json", "--store", Store)).Output);
    }

    /// <summary>Runs the folder's jobs.json with a real <c>schedctl run</c> until the job has succeeded once, then stops it.</summary>
    private static async Task RunUntilAsync(TempFolder folder, string job)
    {
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        await run.WaitForLineAsync(line => IsRun(line, "ok", job));
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }
}
