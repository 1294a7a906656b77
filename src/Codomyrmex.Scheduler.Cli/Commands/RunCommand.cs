using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary><c>schedctl run FILE</c>: run the jobs of a jobs file or crontab on schedule, durably, until SIGINT or SIGTERM.</summary>
internal static class RunCommand
{
    /// <summary>The source the jobs of the file are kept under: whichever file is run on a store defines its jobs.</summary>
    public const string Source = "schedctl";

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A JSON jobs file or a classic crontab: the source of truth for the store's jobs." };
        var format = new Option<JobsFileFormat?>("--format") { Description = "How to read the file (default: by extension and content).", HelpName = "json|crontab" };
        Option<string> store = StoreOption.Create();
        var workers = new Option<int>("--workers") { Description = "How many commands may run at once.", DefaultValueFactory = _ => 4 };
        var grace = new Option<string>("--grace")
        {
            Description = "On SIGINT/SIGTERM, how long to wait for running commands before killing them (e.g. 30s, 2m).",
            DefaultValueFactory = _ => "30s",
        };
        Option<bool> system = ValidateCommand.SystemOption();
        var log = new Option<string>("--log-format") { Description = "One line per run: human or json.", DefaultValueFactory = _ => "human", HelpName = "human|json" };
        log.AcceptOnlyFromAmong("human", "json");
        var command = new Command("run",
            "Run the jobs of FILE on schedule until SIGINT or SIGTERM, keeping jobs and history in the store. Restarting with a changed " +
            "file adds, updates and removes jobs by name; the history of jobs that stay is kept.")
        {
            file, format, system, store, workers, grace, log,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.InvocationConfiguration, parse.GetRequiredValue(file), parse.GetValue(format), parse.GetValue(system),
            StoreOption.Resolve(parse.GetValue(store)), parse.GetValue(workers), parse.GetRequiredValue(grace), parse.GetRequiredValue(log) == "json", cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(InvocationConfiguration console, string path, JobsFileFormat? format, bool system, string storeText, int workers,
        string graceText, bool json, CancellationToken cancellationToken)
    {
        TextWriter error = console.Error;
        if (workers < 1)
        {
            await error.WriteLineAsync($"schedctl run: --workers is {workers}; it must be at least 1.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (!DurationText.TryParse(graceText, out TimeSpan grace, out string? reason))
        {
            await error.WriteLineAsync($"schedctl run: --grace '{graceText}': {reason}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Everything is checked before anything starts, as validate checks it: a broken file changes nothing in the store.
        JobsFileResult read = await JobsFileCheck.CheckAsync(path, format, system, cancellationToken).ConfigureAwait(false);
        if (read.File is not { } jobsFile)
        {
            foreach (FileError problem in read.Errors)
            {
                await error.WriteLineAsync(problem.Format(path)).ConfigureAwait(false);
            }

            await error.WriteLineAsync($"schedctl run: {path} has {read.Errors.Count} error(s); nothing was started.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        foreach (FileError note in jobsFile.Notes)
        {
            await error.WriteLineAsync((note with { Message = "note: " + note.Message }).Format(path)).ConfigureAwait(false);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        IJobStore store;
        try
        {
            store = StoreOption.Open(storeText);
        }
#pragma warning disable CA1031 // Any failure to open the store is reported as one line naming the store.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            await error.WriteLineAsync($"schedctl run: cannot open store {storeText}: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        try
        {
            var scheduler = new Scheduler(new SchedulerOptions { Store = store, MaxWorkers = workers, ShutdownTimeout = grace });
            await using ConfiguredAsyncDisposable disposeScheduler = scheduler.ConfigureAwait(false);
            scheduler.RegisterTask(CommandRunner.TaskName, CommandRunner.RunAsync);
            var runLog = new RunLog(console.Output, json, jobsFile.Jobs.Select(job => job.Name.Length).DefaultIfEmpty(0).Max());
            runLog.Attach(scheduler);
            try
            {
                // Reconciling first makes the store ours (a live schedctl on it refuses us here, before anything changes)
                // and records runs lost when a previous schedctl died (logged as "interrupted" lines).
                // @reboot jobs run once, just after this start: their one run time is taken now, just before the scheduler compares it.
                DateTimeOffset startedAt = TimeProvider.System.GetUtcNow();
                ReconcileResult changes = await scheduler.ReconcileAsync(
                    Source, [.. jobsFile.Jobs.Select(job => CommandJobs.ToDefinition(job, startedAt))], stop.Token).ConfigureAwait(false);
                await scheduler.StartAsync(stop.Token).ConfigureAwait(false);
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"schedctl: running {jobsFile.Jobs.Count} job(s) from {path} on {storeText} ({changes.Added.Count} added, {changes.Updated.Count} updated, " +
                    $"{changes.Removed.Count} removed, {changes.Unchanged.Count} unchanged); SIGINT or SIGTERM stops.")).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Success;
            }
#pragma warning disable CA1031 // The store refused (in use, read-only, not ours), or a job's trigger ran out since the check: one clear line, nothing started.
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
#pragma warning restore CA1031
            {
                await error.WriteLineAsync($"schedctl run: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // SIGINT or SIGTERM.
            }

            int running = scheduler.ListJobs(JobStatus.Running).Count;
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"schedctl: stopping; waiting up to {DurationText.Format(grace)} for {running} running job(s).")).ConfigureAwait(false);
            await scheduler.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await error.WriteLineAsync("schedctl: stopped.").ConfigureAwait(false);
            return ExitCodes.Success;
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }

        void OnSignal(PosixSignalContext context)
        {
            if (stop.IsCancellationRequested)
            {
                // A second signal while we wait for running commands: the user means it, stop now (the default action).
                return;
            }

            // We stop on our own terms: wait for running commands up to the grace time, then exit 0.
            context.Cancel = true;
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // A signal that arrived while the shutdown was finishing: there is nothing left to stop.
            }
        }
    }
}
