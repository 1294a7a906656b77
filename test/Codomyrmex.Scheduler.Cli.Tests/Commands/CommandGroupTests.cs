using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Commands;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Cli.Running;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// What a command leaves of its process group once its run has ended. A group that still exists (even as zombies waiting
/// for init to reap them) makes every look at whether it is empty scan <c>/proc</c>; a node finishing dozens of runs at once
/// then starved its thread pool, and its heartbeat with it, until its leases lapsed.
/// </summary>
public sealed class CommandGroupTests
{
    private const int NoSuchProcess = 3; // ESRCH

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACommandThatEnded_LeavesNoProcessInItsGroup_NotEvenAZombie()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Commands run in process groups of their own on Linux only.");
        await using var scheduler = new Scheduler();
        scheduler.RegisterTask(CommandRunner.TaskName, CommandRunner.RunAsync);
        var spec = new JobSpec
        {
            Name = "group",
            Trigger = Triggers.Every(hours: 1),
            // The fifth field of /proc/PID/stat is the process group ("pid (comm) state ppid pgrp ...", comm is "sh").
            Command = ["cut -d ' ' -f 5 /proc/$$/stat"],
            Shell = true,
        };
        await scheduler.ReconcileAsync(RunCommand.Source, [CommandJobs.ToDefinition(spec, TimeProvider.System.GetUtcNow())], Ct);
        JobPage jobs = await scheduler.ListJobsAsync(new JobQuery(), Ct);

        for (int run = 0; run < 20; run++)
        {
            var result = (JsonObject)(await scheduler.RunNowAsync(Assert.Single(jobs.Items).Id, Ct))!;
            int group = int.Parse(((string)result["stdout"]!).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);

            // kill(-group, 0) finds zombies too: it must find nothing at all the moment the run is over.
            int found = Kill(-group, 0);
            int error = Marshal.GetLastPInvokeError();
            Assert.True(found != 0 && error == NoSuchProcess, $"run {run}: process group {group} still exists after its command ended (kill: {found}, errno {error}).");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
