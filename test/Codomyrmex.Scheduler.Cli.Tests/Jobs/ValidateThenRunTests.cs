using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests.Jobs;

/// <summary>
/// <c>validate</c> OK means <c>run</c> starts: files at the edges (empty, comments only, @reboot only, MAILTO, a system
/// crontab) are accepted by both real commands, and @reboot runs once per start of <c>schedctl run</c>.
/// </summary>
public sealed class ValidateThenRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsRun(string line, string outcome, string job) => RunningSchedctl.IsRun(line, outcome, job);

    /// <summary>A file's name, its text, and what both commands must say about it.</summary>
    public static TheoryData<string, string, string, string> AcceptedFiles => new()
    {
        { "jobs.json", """{ "jobs": [] }""", "no jobs; 'schedctl run' starts with none (and removes from its store the jobs an earlier run left, of this file or any other).", "running 0 job(s)" },
        { "jobs.json", "", "no jobs; 'schedctl run' starts with none", "running 0 job(s)" },
        { "jobs.json", " \n\t\n", "no jobs; 'schedctl run' starts with none", "running 0 job(s)" },
        { "jobs.json", "// the jobs come later\n", "no jobs; 'schedctl run' starts with none", "running 0 job(s)" },
        { "crontab", "# every line is commented out\n# 0 * * * * /usr/bin/backup\n", "no jobs", "running 0 job(s)" },
        { "crontab", "", "no jobs", "running 0 job(s)" },
        { "crontab", "@reboot echo booted\n", "1 job OK", "running 1 job(s)" },
        { "crontab", "MAILTO=ops@example.com\n@daily echo hi\n", "note: MAILTO is set, but schedctl sends no mail", "note: MAILTO is set" },
    };

    [Theory]
    [MemberData(nameof(AcceptedFiles))]
    public async Task ValidateOk_RunStarts(string name, string text, string validateSays, string runSays)
    {
        using var folder = new TempFolder();
        string path = folder.Write(name, text);

        Schedctl.Result validated = await Schedctl.RunAsync("validate", path);
        Assert.True(validated.ExitCode == 0, validated.ToString());
        Assert.Contains(validateSays, validated.Output, StringComparison.Ordinal);

        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", path, "--store", "sqlite:state.db");
        await run.WaitForErrorAsync("SIGINT or SIGTERM stops");
        Assert.Contains(runSays, run.Error, StringComparison.Ordinal);
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    [Fact]
    public async Task Reboot_RunsOnceEachTimeRunStarts_NotOnItsOtherTicks()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [
              { "name": "boot", "schedule": "@reboot", "command": ["echo", "booted"] },
              { "name": "tick", "schedule": "* * * * * *", "command": ["echo", "tick"] }
            ] }
            """);

        for (int start = 1; start <= 2; start++)
        {
            await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
            await run.WaitForLineAsync(line => IsRun(line, "ok", "boot"));

            // Three more runs of the every-second job after the boot run: the boot job had every chance to run again.
            for (int tick = 0; tick < 3; tick++)
            {
                await run.WaitForLineAsync(line => IsRun(line, "ok", "tick"));
            }

            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());
            Assert.Single(run.Output, line => IsRun(line, "ok", "boot"));
        }

        await using var store = new SqliteJobStore(Path.Combine(folder.Path, "state.db"));
        Job boot = (await store.ListAsync(default, Ct)).Items.Single(job => job.Name == "boot" && job.Status != JobStatus.Cancelled);
        Assert.Equal(2, (await store.GetRunsAsync(new RunQuery { JobId = boot.Id }, Ct)).Total);
    }

    [Fact]
    public async Task SystemCrontab_IsReadWithItsUserColumn_AndAcceptedOnlyForRoot()
    {
        using var folder = new TempFolder();
        string path = folder.Write("crontab", "17 * * * * root cd / && echo hourly\n@reboot root echo booted\n");

        Schedctl.Result result = await Schedctl.RunAsync("validate", path, "--system");

        if (Environment.IsPrivilegedProcess)
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal($"{path}: 2 jobs OK (a system crontab)", result.Lines[0]);
            Assert.Matches(@"^1 +cd / && echo hourly \(as root\) +\d{4}-\S+ \S+ +At minute 17\.", result.Lines[2]);
            Assert.Matches(@"^2 +echo booted \(as root\) +at start +Once each time 'schedctl run' starts \(@reboot\)\.$", result.Lines[3]);
        }
        else
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.StartsWith($"{path}: this is a system crontab, whose jobs run as the account named after each schedule; only root", result.Lines[0],
                StringComparison.Ordinal);
        }
    }
}
