using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Cli.Output;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.PostgreSql;
using Codomyrmex.Scheduler.Storage;

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
        Option<int> workers = WorkersOption();
        var grace = new Option<string>("--grace")
        {
            Description = "On SIGINT/SIGTERM, how long to wait for running commands before stopping them (e.g. 30s, 2m). A second signal skips the wait.",
            DefaultValueFactory = _ => "30s",
        };
        Option<bool> system = ValidateCommand.SystemOption();
        var killTimeout = new Option<string>("--kill-timeout")
        {
            Description = "How long a command that is being stopped (shutdown, timeout, cancel) has after SIGTERM before SIGKILL.",
            DefaultValueFactory = _ => DurationText.Format(CommandRunOptions.DefaultKillTimeout),
        };
        var log = new Option<string>("--log-format")
        {
            Description = "One line per run, and schedctl's own lines: human, or json (every line a JSON object on stdout).",
            DefaultValueFactory = _ => "human",
            HelpName = "human|json",
        };
        log.AcceptOnlyFromAmong("human", "json");
        Option<bool> utc = Schedctl.UtcOption();
        var node = new Option<string?>("--node")
        {
            Description = "This process's name among the nodes of the store (schedctl nodes, the run history). Default: the host name and process id.",
            HelpName = "NAME",
        };
        var lease = new Option<string?>("--lease")
        {
            Description = "How long a run this process claims stays its own without a heartbeat (renewed every third of it): when this process " +
                "dies, another schedctl run on the same PostgreSQL database runs its runs again after about this long. At least " +
                $"{DurationText.Format(SchedulerOptions.MinimumLeaseDuration)}. Default: {DurationText.Format(PostgreSqlJobStore.RecommendedLeaseDuration)} " +
                $"on PostgreSQL, {DurationText.Format(new SchedulerOptions().LeaseDuration)} on other stores.",
            HelpName = "DURATION",
        };
        var command = new Command("run",
            "Run the jobs of FILE on schedule until SIGINT or SIGTERM, keeping jobs and history in the store. Restarting with a changed " +
            "file adds, updates and removes jobs by name; the history of jobs that stay is kept.")
        {
            file, format, system, store, workers, grace, killTimeout, log, utc, node, lease,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.InvocationConfiguration, parse.GetRequiredValue(file), parse.GetValue(format), parse.GetValue(system), StoreOption.Resolve(parse.GetValue(store)),
            new Settings(parse.GetValue(workers), parse.GetRequiredValue(grace), parse.GetRequiredValue(killTimeout), parse.GetRequiredValue(log) == "json",
                TimeText.For(parse.GetValue(utc)), parse.GetValue(node), parse.GetValue(lease)),
            cancellationToken));
        return command;
    }

    /// <summary>The <c>--workers</c> option of <c>run</c> and <c>mcp</c>, naming its bound.</summary>
    internal static Option<int> WorkersOption() => new("--workers")
    {
        Description = string.Create(CultureInfo.InvariantCulture, $"How many commands may run at once, from 1 to {SchedulerOptions.MaxWorkersLimit}."),
        DefaultValueFactory = _ => 4,
    };

    /// <summary>
    /// Runs the jobs of a file until a signal, or until the server <paramref name="open"/> makes (given the scheduler, the file and
    /// the stop token) ends serving.
    /// </summary>
    /// <remarks>
    /// The server is made once the scheduler is built and before the jobs are reconciled or the scheduler started, so that a
    /// server that cannot start (an address it cannot listen on, reported as a <see cref="JobStoreAccess.Failure"/>) changes
    /// nothing in the store. It serves once the scheduler runs.
    /// </remarks>
    internal static async Task<int> RunAsync(InvocationConfiguration console, string path, JobsFileFormat? format, bool system, string storeText, Settings settings,
        CancellationToken cancellationToken, Func<Scheduler, JobsFile, CancellationToken, Task<Server>>? open = null)
    {
        TextWriter error = console.Error;
        if (settings.Workers is < 1 or > SchedulerOptions.MaxWorkersLimit)
        {
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"schedctl run: --workers is {settings.Workers}; it must be from 1 to {SchedulerOptions.MaxWorkersLimit}.")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (!DurationText.TryParse(settings.Grace, out TimeSpan grace, out string? reason))
        {
            await error.WriteLineAsync($"schedctl run: --grace '{settings.Grace}': {reason}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (!DurationText.TryParse(settings.KillTimeout, out TimeSpan killTimeout, out reason))
        {
            await error.WriteLineAsync($"schedctl run: --kill-timeout '{settings.KillTimeout}': {reason}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        TimeSpan? leaseDuration = null;
        if (settings.Lease is { } leaseText)
        {
            if (!DurationText.TryParse(leaseText, out TimeSpan parsed, out reason) || parsed < SchedulerOptions.MinimumLeaseDuration)
            {
                await error.WriteLineAsync($"schedctl run: --lease '{leaseText}': " +
                    (reason ?? $"it must be at least {DurationText.Format(SchedulerOptions.MinimumLeaseDuration)}, the shortest lease the heartbeat keeps.")).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            leaseDuration = parsed;
        }

        if (settings.Node is { } nodeName && string.IsNullOrWhiteSpace(nodeName))
        {
            await error.WriteLineAsync("schedctl run: --node is empty; give this process a name, or leave the option out.").ConfigureAwait(false);
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

        // The first signal stops firing and waits up to the grace; a second one stops the running commands at once (SIGTERM,
        // then SIGKILL after the kill timeout), still recording every run. Only a third ends schedctl abruptly, and even then
        // each command's wrapper sees schedctl gone and kills its process group.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hurry = new CancellationTokenSource();
        int signals = 0;
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        OpenStore opened;
        try
        {
            opened = await StoreOption.OpenAsync(storeText, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any failure to open the store is reported as one line naming the store.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            await error.WriteLineAsync("schedctl: " + StoreOption.Failure(storeText, exception.Message)).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        // On PostgreSQL, every schedctl run on one database is a node of one cluster: each occurrence runs on one of them.
        await using ConfiguredAsyncDisposable disposeStore = opened.ConfigureAwait(false);
        IJobStore store = opened.Store;
        {
            var options = new SchedulerOptions { Store = store, MaxWorkers = settings.Workers, ShutdownTimeout = grace, NodeName = settings.Node };
            // A node of a cluster fails over in seconds; a store only this process uses keeps the library's long lease.
            if ((leaseDuration ?? (store is PostgreSqlJobStore ? PostgreSqlJobStore.RecommendedLeaseDuration : null)) is { } duration)
            {
                options.LeaseDuration = duration;
            }

            var scheduler = new Scheduler(options);
            await using ConfiguredAsyncDisposable disposeScheduler = scheduler.ConfigureAwait(false);
            var runLog = new RunLog(console.Output, settings.Json, settings.Times, jobsFile.Jobs.Select(job => job.Name.Length).DefaultIfEmpty(0).Max(),
                Colour.IsWanted());
            var runOptions = new CommandRunOptions(killTimeout);
            scheduler.RegisterTask(CommandRunner.TaskName, (context, token) => RunCommandAsync(scheduler, runLog, runOptions, context, token));
            runLog.Attach(scheduler);
            TimeProvider clock = TimeProvider.System;
            try
            {
                // The server (mcp's) before the reconcile: one that cannot listen changes nothing in the store.
                Server server = open is null
                    ? new Server(token => Task.Delay(Timeout.InfiniteTimeSpan, clock, token))
                    : await open(scheduler, jobsFile, stop.Token).ConfigureAwait(false);
                await using ConfiguredAsyncDisposable disposeServer = server.ConfigureAwait(false);

                // Reconciling first makes a SQLite store ours (a live schedctl on it refuses us here, before anything changes)
                // and records runs lost when a previous schedctl died (logged as "interrupted" lines). On PostgreSQL, nodes
                // starting at once with one file end with one job per name: the store keeps one live job per source and name.
                // @reboot jobs run once, just after this start: their one run time is taken now, just before the scheduler compares it.
                DateTimeOffset startedAt = clock.GetUtcNow();
                ReconcileResult changes = await scheduler.ReconcileAsync(
                    Source, [.. jobsFile.Jobs.Select(job => CommandJobs.ToDefinition(job, startedAt))], stop.Token).ConfigureAwait(false);
                using CancelWatch watch = await CancelWatch.StartAsync(scheduler, runLog, error).ConfigureAwait(false);
                await scheduler.StartAsync(stop.Token).ConfigureAwait(false);
                runLog.Notice(error, clock.GetUtcNow(), "started", string.Create(CultureInfo.InvariantCulture,
                    $"schedctl: running {jobsFile.Jobs.Count} job(s) from {path} on {StoreOption.Shown(storeText)} as node {scheduler.Node.InstanceId} " +
                    $"({Summary(changes)}); SIGINT or SIGTERM stops."),
                    new JsonObject
                    {
                        ["file"] = path,
                        ["store"] = StoreOption.Shown(storeText),
                        ["node"] = scheduler.Node.InstanceId,
                        ["added"] = Names(changes.Added),
                        ["updated"] = Names(changes.Updated),
                        ["removed"] = Names(changes.Removed),
                        ["unchanged"] = Names(changes.Unchanged),
                    });

                try
                {
                    await server.ServeAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // SIGINT or SIGTERM.
                }

                int running = scheduler.ListJobs(JobStatus.Running).Count;
                runLog.Notice(error, clock.GetUtcNow(), "stopping", string.Create(CultureInfo.InvariantCulture,
                    $"schedctl: stopping; waiting up to {DurationText.Format(grace)} for {running} running job(s), then stopping their commands " +
                    $"(SIGTERM, SIGKILL after {DurationText.Format(killTimeout)}); a second signal stops them now."),
                    new JsonObject { ["running"] = running });
                await scheduler.StopAsync(hurry.Token).ConfigureAwait(false);

                // The scheduler waits only a moment for stopped commands; each is gone within the kill timeout, and its run is
                // recorded then. Wait for that, so no run is left for the next start to find lost.
                try
                {
                    await scheduler.WhenIdleAsync(CancellationToken.None).WaitAsync(killTimeout + RecordTime, clock, CancellationToken.None)
                        .ConfigureAwait(false);
                    runLog.Notice(error, clock.GetUtcNow(), "stopped", "schedctl: stopped.");
                }
                catch (TimeoutException)
                {
                    // The commands are gone (SIGKILL cannot be refused) but the store did not take their outcomes in time.
                    runLog.Notice(error, clock.GetUtcNow(), "stopped",
                        "schedctl: stopped; some runs could not be recorded in time (is the store reachable?); the next start records them as interrupted.");
                }

                return ExitCodes.Success;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return ExitCodes.Success;
            }
            catch (JobStoreAccess.Failure failure)
            {
                // The server could not start (an address it cannot listen on): nothing was reconciled or started.
                await error.WriteLineAsync("schedctl: " + failure.Message).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
#pragma warning disable CA1031 // The store refused (in use, read-only, not ours), or a job's trigger ran out since the check: one clear line, nothing started.
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
#pragma warning restore CA1031
            {
                // A store that fails once open (a damaged page read by the reconcile) is worded as a store that fails to open.
                await error.WriteLineAsync(exception is System.Data.Common.DbException || exception.InnerException is System.Data.Common.DbException
                    ? "schedctl: " + StoreOption.Failure(storeText, exception.Message)
                    : $"schedctl run: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
        }

        void OnSignal(PosixSignalContext context)
        {
            int count = Interlocked.Increment(ref signals);
            if (count > 2)
            {
                // The user insists: the default action ends schedctl now; the wrappers stop the commands.
                return;
            }

            context.Cancel = true;
            try
            {
                (count == 1 ? stop : hurry).Cancel();
            }
            catch (ObjectDisposedException)
            {
                // A signal that arrived while the shutdown was finishing: there is nothing left to stop.
            }
        }
    }

    /// <summary>How long recording the last runs may take once their commands are gone.</summary>
    private static readonly TimeSpan RecordTime = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs a command, telling the log which jobs run here; a run stopped because its job was cancelled from another shell
    /// gets a line of its own.
    /// </summary>
    private static async Task<object?> RunCommandAsync(Scheduler scheduler, RunLog runLog, CommandRunOptions options, JobContext context,
        CancellationToken cancellationToken)
    {
        runLog.RunStarted(context);
        try
        {
            return await CommandRunner.RunAsync(context, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if ((await scheduler.GetJobAsync(context.JobId, CancellationToken.None).ConfigureAwait(false))?.Status == JobStatus.Cancelled)
            {
                runLog.Cancelled(context, TimeProvider.System.GetUtcNow());
            }

            throw;
        }
        finally
        {
            runLog.RunEnded(context);
        }
    }

    /// <summary>The reconcile summary, naming the jobs that changed: <c>added: a, b; updated: c; removed: d; 2 unchanged</c>.</summary>
    private static string Summary(ReconcileResult changes)
    {
        var parts = new List<string>();
        foreach ((string verb, IReadOnlyList<string> names) in new[] { ("added", changes.Added), ("updated", changes.Updated), ("removed", changes.Removed) })
        {
            parts.Add(names.Count == 0 ? $"0 {verb}" : $"{names.Count} {verb}: {string.Join(", ", names)}");
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{changes.Unchanged.Count} unchanged"));
        return string.Join("; ", parts);
    }

    private static JsonArray Names(IReadOnlyList<string> names) => [.. names.Select(name => (JsonNode)name)];

    /// <summary>What a run serves until the stop token fires, and what it disposes when it ends (a web server).</summary>
    internal sealed class Server(Func<CancellationToken, Task> serveAsync, IAsyncDisposable? resource = null) : IAsyncDisposable
    {
        public Task ServeAsync(CancellationToken stop) => serveAsync(stop);

        public ValueTask DisposeAsync() => resource?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>The settings of a run, as given on the command line.</summary>
    internal sealed record Settings(int Workers, string Grace, string KillTimeout, bool Json, TimeText Times, string? Node = null, string? Lease = null);
}
