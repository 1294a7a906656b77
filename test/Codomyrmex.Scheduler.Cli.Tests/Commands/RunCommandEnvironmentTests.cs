using System.Globalization;
using System.Text.Json;
using Codomyrmex.Scheduler.Cli.Commands;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Cli.Output;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// What a command sees of its run (the <c>SCHEDCTL_*</c> variables), commands run as another user, and how run lines print
/// times and errors; all through the real executable.
/// </summary>
public sealed class RunCommandEnvironmentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Variables(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].StartsWith("SCHEDCTL_", StringComparison.Ordinal))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    /// <summary>Puts one command job into a new store, as <c>schedctl run</c> would from a file.</summary>
    internal static async Task SeedAsync(string database, JobSpec spec)
    {
        await using var store = new SqliteJobStore(database);
        await using var scheduler = new Scheduler(new SchedulerOptions { Store = store });
        scheduler.RegisterTask(CommandRunner.TaskName, CommandRunner.RunAsync);
        await scheduler.ReconcileAsync(RunCommand.Source, [CommandJobs.ToDefinition(spec, TimeProvider.System.GetUtcNow())], Ct);
    }

    [Fact]
    public async Task Run_EveryCommandGetsItsRunsFacts_MatchingTheHistory()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "facts", "schedule": "* * * * * *", "command": ["env"], "max_runs": 1 } ] }
            """);
        await using (RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            await run.WaitForLineAsync(line => line.Contains(" ok ", StringComparison.Ordinal));
            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());
        }

        await using var store = new SqliteJobStore(folder["state.db"]);
        Job job = Assert.Single((await store.ListAsync(default, Ct)).Items);
        RunRecord record = Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Ct)).Items);
        using JsonDocument result = JsonDocument.Parse(record.Result!);
        Dictionary<string, string> seen = Variables(result.RootElement.GetProperty("stdout").GetString()!);

        Assert.Equal("facts", seen["SCHEDCTL_JOB_NAME"]);
        Assert.Equal(job.Id, seen["SCHEDCTL_JOB_ID"]);
        Assert.Equal(record.RunId, seen["SCHEDCTL_RUN_ID"]);
        Assert.Equal("1", seen["SCHEDCTL_ATTEMPT"]);
        Assert.Equal("0", seen["SCHEDCTL_RECOVERY"]);
        Assert.Equal("0", seen["SCHEDCTL_MANUAL"]);
        Assert.Equal(TimeText.Json(record.ScheduledTime), seen["SCHEDCTL_SCHEDULED_AT"]);
        Assert.EndsWith("Z", seen["SCHEDCTL_SCHEDULED_AT"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsRun_AManualRun_SaysSoInItsEnvironment()
    {
        using var folder = new TempFolder();
        await SeedAsync(folder["state.db"], new JobSpec { Name = "by-hand", Trigger = Triggers.Every(hours: 1), Command = ["env"] });
        Schedctl.Result result = await Schedctl.RunAsync("jobs", "run", "by-hand", "--store", "sqlite:" + folder["state.db"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Dictionary<string, string> seen = Variables(result.Output);
        Assert.Equal("1", seen["SCHEDCTL_MANUAL"]);
        Assert.Equal("by-hand", seen["SCHEDCTL_JOB_NAME"]);
    }

    [Fact]
    public async Task JobsRun_InAnyZone_GivesTheOccurrenceInUtc()
    {
        using var folder = new TempFolder();
        await SeedAsync(folder["state.db"], new JobSpec { Name = "zoned", Trigger = Triggers.Every(hours: 1), Command = ["env"] });
        Schedctl.Result result = await Schedctl.RunAsync(new Dictionary<string, string> { ["TZ"] = "Asia/Kolkata" },
            "jobs", "run", "zoned", "--store", "sqlite:" + folder["state.db"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string scheduled = Variables(result.Output)["SCHEDCTL_SCHEDULED_AT"];
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", scheduled);
    }

    [Fact]
    public async Task JobsRun_ACommandWithAUser_RunsAsThatUser_WithCronsEnvironment()
    {
        using var folder = new TempFolder();
        await SeedAsync(folder["state.db"], new JobSpec
        {
            Name = "as-nobody",
            Trigger = Triggers.Every(hours: 1),
            Command = ["id -u; id -g; echo \"$USER $LOGNAME $HOME $SHELL\""],
            Shell = true,
            User = "nobody",
        });
        Schedctl.Result result = await Schedctl.RunAsync("jobs", "run", "as-nobody", "--store", "sqlite:" + folder["state.db"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] expected = [await IdAsync("-u", "nobody"), await IdAsync("-g", "nobody"), "nobody nobody " + await HomeOfAsync("nobody") + " /bin/sh"];
        Assert.Equal(expected, result.Lines);
    }

    [Fact]
    public async Task JobsRun_ACommandWithAUser_GetsCronsMinimalEnvironment_NotSchedctls()
    {
        using var folder = new TempFolder();
        await SeedAsync(folder["state.db"], new JobSpec
        {
            Name = "clean",
            Trigger = Triggers.Every(hours: 1),
            Command = ["env"],
            User = "nobody",
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["JOB_SETTING"] = "from the job" },
        });
        Schedctl.Result result = await Schedctl.RunAsync(new Dictionary<string, string> { ["SCHEDCTL_TEST_SECRET"] = "hunter2" },
            "jobs", "run", "clean", "--store", "sqlite:" + folder["state.db"]);
        Assert.True(result.ExitCode == 0, result.ToString());

        Dictionary<string, string> seen = result.Lines.Select(line => line.Split('=', 2)).Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        Assert.DoesNotContain("SCHEDCTL_TEST_SECRET", seen.Keys);
        Assert.DoesNotContain("hunter2", result.Output, StringComparison.Ordinal);
        Assert.Equal("from the job", seen["JOB_SETTING"]);
        Assert.Equal("/usr/bin:/bin", seen["PATH"]);
        Assert.Equal("clean", seen["SCHEDCTL_JOB_NAME"]);

        // Nothing else of schedctl's; PWD comes from the wrapper's shell, as a shell under cron exports it too.
        Assert.Equal(["HOME", "JOB_SETTING", "LOGNAME", "PATH", "SHELL", "USER"],
            seen.Keys.Where(name => !name.StartsWith("SCHEDCTL_", StringComparison.Ordinal) && name != "PWD").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("no-such-user-7f3a")]
    [InlineData("-n")]
    [InlineData("root:x:0")]
    [InlineData("")]
    public async Task JobsRun_AUserThatDoesNotExist_FailsTheRun_NamingTheUser(string user)
    {
        using var folder = new TempFolder();
        await SeedAsync(folder["state.db"], new JobSpec { Name = "lost", Trigger = Triggers.Every(hours: 1), Command = ["true"], User = user });
        Schedctl.Result result = await Schedctl.RunAsync("jobs", "run", "lost", "--store", "sqlite:" + folder["state.db"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"runs as user '{user}', but there is no such user on this system", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task JobsRun_ACommandWithAUser_WhenSchedctlIsNotRoot_FailsTheRun_SayingWhy()
    {
        using var folder = new TempFolder();
        await SeedAsync(folder["state.db"], new JobSpec { Name = "as-root", Trigger = Triggers.Every(hours: 1), Command = ["true"], User = "root" });

        // schedctl itself runs as nobody (setpriv), on a store that nobody may write.
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_111_111);
        foreach (string file in Directory.EnumerateFiles(folder.Path))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_110_110);
        }

        System.Diagnostics.ProcessStartInfo start = Schedctl.StartInfo(["jobs", "run", "as-root", "--store", "sqlite:" + folder["state.db"]], folder.Path);
        string[] asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", start.FileName];
        for (int i = asNobody.Length - 1; i >= 0; i--)
        {
            start.ArgumentList.Insert(0, asNobody[i]);
        }

        start.FileName = "setpriv";
        start.Environment["HOME"] = folder.Path;
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(Ct);
        string error = await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        await output;
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("runs as user 'root', but schedctl is not running as root", error, StringComparison.Ordinal);
    }

    private static async Task<string> IdAsync(string flag, string user) => (await RunAsync("id", flag, user)).Trim();

    private static async Task<string> HomeOfAsync(string user) => (await RunAsync("getent", "passwd", user)).Trim().Split(':')[5];

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardOutput = true })!;
        string output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return output;
    }

    public static TheoryData<string[], string> TimeStyles => new()
    {
        { [], TimeZoneInfo.Local.GetUtcOffset(DateTime.UtcNow) is var offset && offset == TimeSpan.Zero ? "+00:00" : (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString("hh\\:mm", CultureInfo.InvariantCulture) },
        { ["--utc"], "Z" },
    };

    [Theory]
    [MemberData(nameof(TimeStyles))]
    public async Task Run_RunLinesCarryTheirZone_LocalByDefault_UtcWithTheFlag_AndErrorsWithoutExceptionTypes(string[] flags, string zone)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "fails", "schedule": "* * * * * *", "shell": true, "command": "echo broken >&2; exit 3",
                          "max_attempts": 2, "retry_delay": "1h" } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, ["run", "jobs.json", "--store", "sqlite:state.db", .. flags]);
        string line = await run.WaitForLineAsync(l => l.Contains(" retrying ", StringComparison.Ordinal));
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());

        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(zone, words[1], StringComparison.Ordinal);
        Assert.Matches(@"next attempt at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}" + System.Text.RegularExpressions.Regex.Escape(zone), line);
        Assert.EndsWith("exit code 3: broken", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ControlCharactersInANameAndInOutput_NeverReachTheTerminal()
    {
        using var folder = new TempFolder();

        // A crontab job is named by its command line, which here holds a raw ESC and BEL; its output ends with ESC[2J and BEL.
        folder.Write("crontab", "@every 1s printf 'x\\033[2J\\007cleared\\n' # \u001b[2J\u0007\n");
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "crontab", "--store", "sqlite:state.db");
        string line = await run.WaitForLineAsync(l => l.Contains(" ok ", StringComparison.Ordinal));
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());

        Assert.Contains("x [2J cleared", line, StringComparison.Ordinal);
        Assert.Contains("#  [2J ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Output.Append(run.Error), l => l.Any(c => c is '\u001b' or '\u0007'));
    }

    [Fact]
    public async Task Run_AnOccurrenceSkippedForOverlap_SaysWhatHappened_WithTheDueTimesZone()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "slow", "schedule": "* * * * * *", "shell": true, "command": "touch started; sleep 3" } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db", "--utc");
        string line = await run.WaitForLineAsync(l => l.Contains(" skipped ", StringComparison.Ordinal));
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
        Assert.Matches(@" slow +due \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: the previous run is still running \(overlap\)$", line);
    }

    [Fact]
    public async Task Run_AnOccurrenceSkippedForAJobsRunInAnotherShell_SaysARunElsewhereIsInProgress()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """
            { "jobs": [ { "name": "shared", "schedule": "* * * * * *", "shell": true,
                          "command": "if [ \"$SCHEDCTL_MANUAL\" = 1 ]; then echo $$ > manual; sleep 60; fi" } ] }
            """);
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db", "--utc");
        await run.WaitForLineAsync(l => RunningSchedctl.IsRun(l, "ok", "shared"));

        // The manual run is claimed in the store before its command starts: from the file on, the runner overlaps it.
        await using RunningSchedctl manual = RunningSchedctl.Start(folder.Path, "jobs", "run", "shared", "--store", "sqlite:state.db");
        await TestFiles.WaitForFileAsync(folder["manual"]);
        string line = await run.WaitForLineAsync(l => RunningSchedctl.IsRun(l, "skipped", "shared"));
        Assert.Matches(@" shared +due \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: a run elsewhere is in progress: schedctl jobs run, or a schedctl " +
            @"that ended abruptly and is not yet recovered \(overlap\)$", line);
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }
}
