using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// Ctrl+C of <c>schedctl run</c> with more runs due than workers: the runs it claimed and never started go back to the store
/// unstarted (they did not fire), and the next <c>schedctl run</c> runs each of them once.
/// </summary>
public sealed class RunCommandGiveBackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Names = ["a", "b", "c", "d"];

    /// <summary>Four one-run jobs due in the same second; each writes its name to runs.log, then waits until the file go exists.</summary>
    private static string JobsFile() =>
        "{ \"jobs\": [ " + string.Join(", ", Names.Select(name =>
            $$"""{ "name": "{{name}}", "schedule": "* * * * * *", "max_runs": 1, "shell": true, "command": "echo {{name}} >> runs.log; while [ ! -f go ]; do sleep 0.05; done" }""")) + " ] }";

    [Theory]
    [InlineData("5m")]
    [InlineData("0s")] // no grace: the running command is stopped at once, and the unstarted runs still go back
    public async Task CtrlC_WithMoreDueRunsThanWorkers_TheUnstartedRunsStayDue_AndTheNextRunRunsEachOnce(string grace)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", JobsFile());
        await using (RunningSchedctl first = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db",
            "--workers", "1", "--grace", grace))
        {
            // One command holds the one worker; the other three runs are claimed and queued behind it. (Their first
            // occurrences may fall a second apart, when the jobs were declared across a second's edge: wait for all four.)
            await TestFiles.WaitForFileAsync(folder["runs.log"]);
            await WaitUntilAllClaimedAsync(folder["state.db"]);
            await first.SignalGroupAsync("INT");
            if (grace != "0s")
            {
                await first.WaitForErrorAsync($"waiting up to {grace}");
                folder.Write("go", "");
            }

            Assert.Equal(0, await first.ExitCodeAsync());
        }

        folder.Write("go", ""); // (again, with a grace) for the commands of the next run

        string[] ran = File.ReadAllLines(folder["runs.log"]);
        string started = Assert.Single(ran);
        await using (var store = new SqliteJobStore(folder["state.db"]))
        {
            IReadOnlyList<Job> jobs = (await store.ListAsync(default, Ct)).Items;
            Assert.Equal(Names, jobs.Select(j => j.Name).Order());
            foreach (Job job in jobs)
            {
                IReadOnlyList<RunRecord> history = (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Ct)).Items;
                if (job.Name == started)
                {
                    // Let finish within the grace; or stopped by the shutdown without one (not counted as a run), and then, with nothing
                    // left to run, failed.
                    Assert.Equal(grace == "0s" ? (JobStatus.Failed, 0) : (JobStatus.Completed, 1), (job.Status, job.RunCount));
                    Assert.Equal(grace == "0s" ? RunOutcome.Interrupted : RunOutcome.Succeeded, Assert.Single(history).Outcome);
                }
                else
                {
                    // Claimed (the claim set its last run, at or after the occurrence's time), then given back: not skipped, not used up, still due at the
                    // occurrence it was claimed for.
                    Assert.Equal((JobStatus.Pending, 0, 0), (job.Status, job.RunCount, job.ActiveRuns));
                    Assert.NotNull(job.NextRun);
                    Assert.True(job.LastRun >= job.NextRun, $"{job.Name}: last run {job.LastRun:O}, next run {job.NextRun:O}");
                    Assert.Empty(history);
                }
            }
        }

        await using (RunningSchedctl second = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            var waiting = new HashSet<string>(Names.Where(n => n != started), StringComparer.Ordinal);
            await second.WaitForLineAsync(line => waiting.RemoveWhere(name => RunningSchedctl.IsRun(line, "ok", name)) >= 0 && waiting.Count == 0);

            await second.SignalGroupAsync("INT");
            Assert.Equal(0, await second.ExitCodeAsync());
        }

        // Every occurrence ran exactly once.
        Assert.Equal(Names, File.ReadAllLines(folder["runs.log"]).Order());
    }

    /// <summary>Reads the live store until each of the jobs holds a claimed run.</summary>
    private static async Task WaitUntilAllClaimedAsync(string path)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using (var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, ReadOnly = true, PollInterval = Timeout.InfiniteTimeSpan }))
            {
                IReadOnlyList<Job> jobs = (await store.ListAsync(default, Ct)).Items;
                if (jobs.Count == Names.Length && jobs.All(j => j.ActiveRuns == 1))
                {
                    return;
                }

                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"The jobs were never all claimed: {string.Join(", ", jobs.Select(j => $"{j.Name} {j.Status} {j.ActiveRuns}"))}.");
            }

            await Task.Delay(20, Ct);
        }
    }
}
