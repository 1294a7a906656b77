using System.Diagnostics;
using System.Globalization;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// How <c>schedctl run</c> stops, with the real executable and real signals: Ctrl+C as a terminal sends it (to the whole
/// process group), the grace, SIGTERM then SIGKILL to each command's own process group, a second signal, and schedctl
/// ending abruptly. After every path no process of any command is left.
/// </summary>
public sealed class RunCommandShutdownTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A command that writes its shell's pid, then waits on a child that outlives a shell killed alone.</summary>
    private static string Job(string name, string command, string extra = "") => $$"""
        { "jobs": [ { "name": "{{name}}", "schedule": "* * * * * *", "shell": true, "command": "{{command}}"{{extra}} } ] }
        """;

    /// <summary>The process group of a live process, from <c>/proc</c>.</summary>
    private static int GroupOf(string pid)
    {
        (char State, int Group)? stat = ProcessGroup.ReadStat("/proc/" + pid);
        Assert.NotNull(stat);
        return stat.Value.Group;
    }

    /// <summary>Live (not zombie) processes in a process group.</summary>
    private static List<int> LiveMembers(int group) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Where(folder => int.TryParse(Path.GetFileName(folder), out _))
            .Where(folder => ProcessGroup.ReadStat(folder) is { } stat && stat.Group == group && stat.State != 'Z')
            .Select(folder => int.Parse(Path.GetFileName(folder), CultureInfo.InvariantCulture))];

    /// <summary>Waits until no process of the group is alive: the kernel may take a moment to remove killed processes.</summary>
    private static async Task AssertGroupGoneAsync(int group)
    {
        var clock = Stopwatch.StartNew();
        while (LiveMembers(group) is { Count: > 0 } left)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"processes {string.Join(", ", left)} of the command's group {group} are still running.");
            await Task.Delay(50, Ct);
        }
    }

    private static async Task<RunRecord> SingleRunAsync(string database, string jobName)
    {
        await using var store = new SqliteJobStore(database);
        Job job = (await store.ListAsync(default, Ct)).Items.Single(j => j.Name == jobName);
        return Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Ct)).Items);
    }

    [Fact]
    public async Task CtrlC_ReachesOnlySchedctl_NotTheCommands_SoTheGraceApplies()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", Job("slow", "trap 'echo INT >> signals' INT; echo $$ > pid; sleep 2; echo finished", ", \"max_runs\": 1"));
        await using RunningSchedctl run = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db");
        string pid = await TestFiles.WaitForFileAsync(folder["pid"]);
        Assert.NotEqual(run.Id, GroupOf(pid));

        await run.SignalGroupAsync("INT");
        string done = await run.WaitForLineAsync(line => line.Contains(" ok ", StringComparison.Ordinal));
        Assert.EndsWith("finished", done, StringComparison.Ordinal);
        Assert.Equal(0, await run.ExitCodeAsync());
        Assert.False(File.Exists(folder["signals"]), "the command heard the Ctrl+C meant for schedctl");
        Assert.Equal(RunOutcome.Succeeded, (await SingleRunAsync(folder["state.db"], "slow")).Outcome);
    }

    public static TheoryData<string, string, bool, string> AfterTheGrace => new()
    {
        // How schedctl is told to stop, the command, whether it ends on SIGTERM (else SIGKILL ends it), what it leaves behind.
        { "INT to the group", "trap 'echo TERM > termed; exit 5' TERM; echo $$ > pid; sleep 60 & wait", true, "termed" },
        { "TERM to schedctl", "trap 'echo TERM > termed; exit 5' TERM; echo $$ > pid; sleep 60 & wait", true, "termed" },
        { "TERM to schedctl", "trap '' TERM; echo $$ > pid; sleep 60", false, "" },
        { "INT to the group", "trap '' TERM; echo $$ > pid; sleep 60 & sleep 60", false, "" },
    };

    [Theory]
    [MemberData(nameof(AfterTheGrace))]
    public async Task Stop_ACommandThatOutlivesTheGrace_HasItsGroupStopped_AndIsRecordedInterruptedByTheShutdown(
        string how, string command, bool endsOnTerm, string marker)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", Job("stuck", command));
        await using RunningSchedctl run = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db",
            "--grace", "300ms", "--kill-timeout", "1s");
        int group = GroupOf(await TestFiles.WaitForFileAsync(folder["pid"]));
        Assert.NotEqual(run.Id, group);
        await (how == "TERM to schedctl" ? run.SignalAsync("TERM") : run.SignalGroupAsync("INT"));

        string line = await run.WaitForLineAsync(l => l.Contains(" interrupted ", StringComparison.Ordinal));
        Assert.Contains("interrupted by the shutdown", line, StringComparison.Ordinal);
        Assert.Equal(0, await run.ExitCodeAsync());
        await AssertGroupGoneAsync(group);
        Assert.Equal(endsOnTerm, marker.Length > 0 && File.Exists(folder[marker]));
        RunRecord stopped = await SingleRunAsync(folder["state.db"], "stuck");
        Assert.Equal(RunOutcome.Interrupted, stopped.Outcome);
        Assert.DoesNotContain("Exception", stopped.Error, StringComparison.Ordinal);
        Assert.Contains("SIGKILL after 1s", run.Error, StringComparison.Ordinal);
        Assert.Contains("schedctl: stopped.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_ASecondSignal_SkipsTheGrace_StopsTheCommands_AndStillRecordsTheirRuns()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", Job("long", "echo $$ > pid; sleep 60 & sleep 60"));
        await using RunningSchedctl run = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db",
            "--grace", "10m", "--kill-timeout", "1s");
        int group = GroupOf(await TestFiles.WaitForFileAsync(folder["pid"]));
        await run.SignalGroupAsync("INT");
        await run.WaitForErrorAsync("waiting up to 10m");
        await run.SignalGroupAsync("INT");

        // The test's patience (30 s) is far shorter than the grace (10 min): only skipping the grace ends schedctl in time.
        Assert.Equal(0, await run.ExitCodeAsync());
        await AssertGroupGoneAsync(group);
        Assert.Equal(RunOutcome.Interrupted, (await SingleRunAsync(folder["state.db"], "long")).Outcome);
        Assert.Contains("schedctl: stopped.", run.Error, StringComparison.Ordinal);
    }

    // A crash ends schedctl as SIGKILL does: the process is gone and the pipe each wrapper watches closes.
    public static TheoryData<string> AbruptEnds => new() { "KILL", "HUP", "third INT" };

    [Theory]
    [MemberData(nameof(AbruptEnds))]
    public async Task Schedctl_EndingAbruptly_LeavesNoCommandRunning(string how)
    {
        using var folder = new TempFolder();
        // The command ignores SIGTERM: after the second signal only SIGKILL, at the end of a long kill timeout, would stop it.
        folder.Write("jobs.json", Job("long", "trap '' TERM; echo $$ > pid; sleep 60 & sleep 60"));
        await using RunningSchedctl run = RunningSchedctl.StartInOwnGroup(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db",
            "--grace", "10m", "--kill-timeout", "10m");
        int group = GroupOf(await TestFiles.WaitForFileAsync(folder["pid"]));
        Assert.NotEmpty(LiveMembers(group));
        if (how == "third INT")
        {
            await run.SignalGroupAsync("INT");
            await run.WaitForErrorAsync("waiting up to 10m");
            await run.SignalGroupAsync("INT");
            await run.SignalGroupAsync("INT");
        }
        else
        {
            await run.SignalAsync(how);
        }

        Assert.NotEqual(0, await run.ExitCodeAsync());
        await AssertGroupGoneAsync(group);
    }

    [Theory]
    [InlineData("timeout", ", \"timeout\": \"500ms\"", "failed", "timed out after")]
    [InlineData("cancel from another shell", "", "cancelled", "the job was cancelled")]
    public async Task ARunStoppedWhileSchedctlCarriesOn_HasItsCommandsWholeGroupStopped(string how, string extra, string outcome, string says)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", Job("long", "echo $$ > pid; sleep 60 & sleep 60", extra));
        await using RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db", "--kill-timeout", "1s");
        int group = GroupOf(await TestFiles.WaitForFileAsync(folder["pid"]));
        if (how == "cancel from another shell")
        {
            Schedctl.Result cancel = await Schedctl.RunAsync("jobs", "cancel", "long", "--store", "sqlite:" + folder["state.db"]);
            Assert.Equal(0, cancel.ExitCode);
            await run.WaitForErrorAsync("job 'long' was cancelled elsewhere");
        }

        string line = await run.WaitForLineAsync(l => l.Contains($" {outcome} ", StringComparison.Ordinal));
        Assert.Contains(says, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        await AssertGroupGoneAsync(group);
        await run.SignalAsync("TERM");
        Assert.Equal(0, await run.ExitCodeAsync());
    }

    [Fact]
    public async Task AfterRestart_ARecoverableJobStoppedByTheShutdown_RunsAgain_AsARecovery()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", Job("redo",
            "echo $SCHEDCTL_RECOVERY $SCHEDCTL_SCHEDULED_AT >> seen; [ $SCHEDCTL_RECOVERY = 1 ] || { echo $$ > pid; sleep 60; }",
            ", \"recoverable\": true, \"max_runs\": 1"));
        await using (RunningSchedctl first = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db", "--grace", "200ms"))
        {
            await TestFiles.WaitForFileAsync(folder["pid"]);
            await first.SignalAsync("TERM");
            Assert.Equal(0, await first.ExitCodeAsync());
        }

        await using (RunningSchedctl second = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            await second.WaitForLineAsync(l => l.Contains(" ok ", StringComparison.Ordinal));
            await second.SignalAsync("TERM");
            Assert.Equal(0, await second.ExitCodeAsync());
        }

        string[] seen = (await File.ReadAllLinesAsync(folder["seen"], Ct)).Select(l => l.Trim()).ToArray();
        Assert.Equal(2, seen.Length);
        Assert.StartsWith("0 ", seen[0], StringComparison.Ordinal);
        Assert.StartsWith("1 ", seen[1], StringComparison.Ordinal);
        Assert.Equal(seen[0][2..], seen[1][2..]);
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task JobsRun_ASignalToItsGroup_StopsTheCommand_RecordsTheRunAsInterrupted_AndLeavesTheJobFree(string signal, int exitCode)
    {
        using var folder = new TempFolder();
        await RunCommandEnvironmentTests.SeedAsync(folder["state.db"], new JobSpec
        {
            Name = "long",
            Trigger = Triggers.Every(hours: 1),
            Command = ["echo $$ > pid; sleep 60"],
            Shell = true,
        });
        await using RunningSchedctl run = RunningSchedctl.StartInOwnGroup(folder.Path, "jobs", "run", "long", "--store", "sqlite:state.db");
        int group = GroupOf(await TestFiles.WaitForFileAsync(folder["pid"]));
        await run.SignalGroupAsync(signal);

        Assert.Equal(exitCode, await run.ExitCodeAsync());
        await AssertGroupGoneAsync(group);
        Assert.Contains($"interrupted by SIG{signal}; the command was stopped", run.Error, StringComparison.Ordinal);
        RunRecord record = await SingleRunAsync(folder["state.db"], "long");
        Assert.Equal(RunOutcome.Interrupted, record.Outcome);
        Assert.True(record.IsManual);

        Schedctl.Result show = await Schedctl.RunAsync("jobs", "show", "long", "--store", "sqlite:" + folder["state.db"]);
        string status = Assert.Single(show.Lines, line => line.StartsWith("status:", StringComparison.Ordinal));
        Assert.DoesNotContain("running", status, StringComparison.Ordinal);
        Schedctl.Result delete = await Schedctl.RunAsync("jobs", "delete", "long", "--store", "sqlite:" + folder["state.db"]);
        Assert.True(delete.ExitCode == 0, delete.ToString());
    }
}
