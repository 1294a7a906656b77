using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// <c>schedctl jobs list|show|history|cancel|run</c>: the jobs of a store, read and changed from the command line, also while a
/// <c>schedctl run</c> works on the same store (it sees a change within a second, through the store's change polling).
/// </summary>
internal static class JobsCommand
{
    private const int ShowRuns = 5;

    private static readonly string[] Statuses = [.. Enum.GetValues<JobStatus>().Select(JobFormat.Status)];
    private static readonly string[] Outcomes = [.. Enum.GetValues<RunOutcome>().Select(JobFormat.Outcome)];

    public static Command Create()
    {
        var command = new Command("jobs",
            "List, inspect, cancel and run the jobs of a store, also while a schedctl run works on it. Tables show local times; " +
            "--json shows ISO 8601 UTC times.")
        {
            CreateList(), CreateShow(), CreateHistory(), CreateCancel(), CreateRun(),
        };
        return command;
    }

    private static Argument<string> JobArgument() =>
        new("job") { Description = "The job's name (as in its jobs file) or its id." };

    private static Command CreateList()
    {
        Option<string> store = StoreOption.Create();
        var status = new Option<string?>("--status") { Description = "Only jobs with this status.", HelpName = string.Join('|', Statuses) };
        status.AcceptOnlyFromAmong(Statuses);
        Option<bool> json = Schedctl.JsonOption("the jobs (an array)");
        var command = new Command("list", "List the jobs of the store: name, status, schedule, next and last run (local time), runs and failures.")
        {
            status, store, json,
        };
        command.SetAction((parse, ct) => JobStoreAccess.ReadAsync(parse.InvocationConfiguration, StoreOption.Resolve(parse.GetValue(store)),
            s => ListAsync(parse.InvocationConfiguration.Output, s, parse.GetValue(status), parse.GetValue(json), ct)));
        return command;
    }

    private static async Task<int> ListAsync(TextWriter output, IJobStore store, string? status, bool json, CancellationToken ct)
    {
        JobStatus? filter = status is null ? null : Enum.Parse<JobStatus>(status, ignoreCase: true);
        IReadOnlyList<Job> jobs = (await store.ListAsync(new JobQuery(filter), ct).ConfigureAwait(false)).Items;
        if (json)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartArray();
                foreach (Job job in jobs)
                {
                    writer.WriteStartObject();
                    JobFormat.WriteJobFields(writer, job);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            });
            return ExitCodes.Success;
        }

        var table = new TextTable("NAME", "STATUS", "SCHEDULE", "NEXT RUN", "LAST RUN", "RUNS>", "FAILURES>");
        foreach (Job job in jobs)
        {
            table.Add(job.Name, JobFormat.Status(job.Status), JobFormat.Schedule(job.Trigger), JobFormat.Time(job.NextRun), JobFormat.Time(job.LastRun),
                job.RunCount.ToString(CultureInfo.InvariantCulture), job.FailureCount.ToString(CultureInfo.InvariantCulture));
        }

        if (table.Count == 0)
        {
            await output.WriteLineAsync(status is null ? "No jobs." : $"No {status} jobs.").ConfigureAwait(false);
        }
        else
        {
            table.Write(output);
        }

        return ExitCodes.Success;
    }

    private static Command CreateShow()
    {
        Argument<string> job = JobArgument();
        Option<string> store = StoreOption.Create();
        Option<bool> json = Schedctl.JsonOption("the job and its last runs");
        var command = new Command("show", $"Show every field of one job and its last {ShowRuns} runs.") { job, store, json };
        command.SetAction((parse, ct) =>
        {
            string storeText = StoreOption.Resolve(parse.GetValue(store));
            return JobStoreAccess.ReadAsync(parse.InvocationConfiguration, storeText,
                s => ShowAsync(parse.InvocationConfiguration.Output, s, storeText, parse.GetRequiredValue(job), parse.GetValue(json), ct));
        });
        return command;
    }

    private static async Task<int> ShowAsync(TextWriter output, IJobStore store, string storeText, string nameOrId, bool json, CancellationToken ct)
    {
        Job job = await JobStoreAccess.FindAsync(store, storeText, nameOrId, ct).ConfigureAwait(false);
        RunPage runs = await store.GetRunsAsync(new RunQuery(job.Id, Limit: ShowRuns), ct).ConfigureAwait(false);
        JobOptions options = job.Options;
        if (json)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                JobFormat.WriteJobFields(writer, job);
                JobFormat.WriteTime(writer, "created_at", job.CreatedAt);
                writer.WriteString("source", job.Source);
                writer.WriteString("task", job.Task);
                writer.WriteStartArray("args");
                foreach (object? arg in job.Args)
                {
                    JobFormat.WriteValue(writer, arg);
                }

                writer.WriteEndArray();
                writer.WriteStartObject("kwargs");
                foreach ((string name, object? value) in job.Kwargs)
                {
                    writer.WritePropertyName(name);
                    JobFormat.WriteValue(writer, value);
                }

                writer.WriteEndObject();
                writer.WriteNumber("active_runs", job.ActiveRuns);
                if (job.LastDuration is { } last)
                {
                    writer.WriteNumber("last_duration_ms", Math.Round(last.TotalMilliseconds, 3));
                }
                else
                {
                    writer.WriteNull("last_duration_ms");
                }

                writer.WriteStartObject("options");
                writer.WriteString("overlap", PolicyText.Format(options.Overlap));
                writer.WriteString("misfire", PolicyText.Format(options.Misfire));
                writer.WriteString("misfire_grace", DurationText.Format(options.MisfireGraceTime));
                writer.WriteNumber("max_attempts", options.MaxAttempts);
                writer.WriteString("retry_delay", DurationText.Format(options.RetryDelay));
                writer.WriteString("timeout", options.Timeout is { } timeout ? DurationText.Format(timeout) : null);
                writer.WriteBoolean("recoverable", options.Recoverable);
                writer.WriteEndObject();
                writer.WriteNumber("run_total", runs.Total);
                JobFormat.WriteRuns(writer, "recent_runs", runs.Items);
                writer.WriteEndObject();
            });
            return ExitCodes.Success;
        }

        var fields = new List<(string Name, string? Value)>
        {
            ("name", job.Name),
            ("id", job.Id),
            ("status", JobFormat.Status(job.Status) + (job.ActiveRuns > 1 ? string.Create(CultureInfo.InvariantCulture, $" ({job.ActiveRuns} runs)") : "")),
            ("schedule", JobFormat.Schedule(job.Trigger)),
            ("trigger", job.Trigger?.ToJson()),
            ("command", JobFormat.Command(job)),
        };
        if (job.Kwargs.TryGetValue("working_dir", out object? folder))
        {
            fields.Add(("working dir", folder?.ToString()));
        }

        if (job.Kwargs.TryGetValue("env", out object? env) && env is JsonObject variables)
        {
            fields.Add(("env", string.Join(' ', variables.Select(v => $"{v.Key}={v.Value}"))));
        }

        fields.AddRange(
        [
            ("source", job.Source),
            ("created", JobFormat.Time(job.CreatedAt)),
            ("next run", JobFormat.Time(job.NextRun)),
            ("last run", JobFormat.Time(job.LastRun)),
            ("last duration", job.LastDuration is { } d ? JobFormat.Duration(d) : null),
            ("runs", job.RunCount.ToString(CultureInfo.InvariantCulture) + (job.MaxRuns is { } max ? string.Create(CultureInfo.InvariantCulture, $" of at most {max}") : "")),
            ("failures", job.FailureCount.ToString(CultureInfo.InvariantCulture)),
            ("error", job.Error),
            ("overlap", PolicyText.Format(options.Overlap)),
            ("misfire", $"{PolicyText.Format(options.Misfire)} (grace {DurationText.Format(options.MisfireGraceTime)})"),
            ("attempts", options.MaxAttempts == 1 ? "1 (no retries)"
                : string.Create(CultureInfo.InvariantCulture, $"{options.MaxAttempts} (retry after {DurationText.Format(options.RetryDelay)})")),
            ("timeout", options.Timeout is { } t ? DurationText.Format(t) : "none"),
            ("recoverable", options.Recoverable ? "yes" : "no"),
        ]);
        int width = fields.Max(f => f.Name.Length) + 2;
        foreach ((string name, string? value) in fields)
        {
            await output.WriteLineAsync((name + ":").PadRight(width) + (value ?? "-")).ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        if (runs.Total == 0)
        {
            await output.WriteLineAsync("No runs yet.").ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Last {runs.Items.Count} of {runs.Total} runs (schedctl jobs history {Quote(job.Name)} for more):")).ConfigureAwait(false);
            JobFormat.WriteRuns(output, runs.Items);
        }

        return ExitCodes.Success;
    }

    private static Command CreateHistory()
    {
        Argument<string> job = JobArgument();
        Option<string> store = StoreOption.Create();
        var count = new Option<int>("--count", "-n") { Description = "How many runs to show.", DefaultValueFactory = _ => 20 };
        var offset = new Option<int>("--offset") { Description = "How many of the newest runs to pass over first (for paging)." };
        var outcome = new Option<string?>("--outcome") { Description = "Only runs that ended this way.", HelpName = string.Join('|', Outcomes) };
        outcome.AcceptOnlyFromAmong(Outcomes);
        foreach (Option<int> option in new[] { count, offset })
        {
            option.Validators.Add(result =>
            {
                if (result.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out int n) && n < 0)
                {
                    result.AddError($"{option.Name} must be 0 or more.");
                }
            });
        }

        Option<bool> json = Schedctl.JsonOption("the runs");
        var command = new Command("history", "Show a job's runs, newest first: when due and started, how long, where, how it ended, and its error or first line of output.")
        {
            job, count, offset, outcome, store, json,
        };
        command.SetAction((parse, ct) =>
        {
            string storeText = StoreOption.Resolve(parse.GetValue(store));
            RunOutcome? filter = parse.GetValue(outcome) is { } o ? Enum.Parse<RunOutcome>(o, ignoreCase: true) : null;
            return JobStoreAccess.ReadAsync(parse.InvocationConfiguration, storeText, s => HistoryAsync(parse.InvocationConfiguration.Output, s, storeText,
                parse.GetRequiredValue(job), new RunQuery(null, filter, parse.GetValue(offset), parse.GetValue(count)), parse.GetValue(json), ct));
        });
        return command;
    }

    private static async Task<int> HistoryAsync(TextWriter output, IJobStore store, string storeText, string nameOrId, RunQuery query, bool json,
        CancellationToken ct)
    {
        Job job = await JobStoreAccess.FindAsync(store, storeText, nameOrId, ct).ConfigureAwait(false);
        RunPage runs = await store.GetRunsAsync(query with { JobId = job.Id }, ct).ConfigureAwait(false);
        if (json)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("job_id", job.Id);
                writer.WriteString("name", job.Name);
                writer.WriteNumber("total", runs.Total);
                writer.WriteNumber("offset", query.Offset);
                JobFormat.WriteRuns(writer, "runs", runs.Items);
                writer.WriteEndObject();
            });
            return ExitCodes.Success;
        }

        if (runs.Items.Count == 0)
        {
            await output.WriteLineAsync(runs.Total == 0 ? $"Job '{job.Name}' has no runs{(query.Outcome is null ? "" : " that ended so")} yet."
                : string.Create(CultureInfo.InvariantCulture, $"No runs past the first {runs.Total}.")).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        JobFormat.WriteRuns(output, runs.Items);
        if (query.Offset + runs.Items.Count < runs.Total)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"({runs.Items.Count} of {runs.Total}; --offset {query.Offset + runs.Items.Count} for older runs)")).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static Command CreateCancel()
    {
        Argument<string> job = JobArgument();
        Option<string> store = StoreOption.Create();
        var command = new Command("cancel",
            "Cancel a job: it never runs again (a run in progress finishes). A schedctl run on the store sees it within a second. " +
            "Cancelling a cancelled job succeeds again. Remove it from its jobs file too: the next schedctl run of a file that still has " +
            "it starts it again as a new job.")
        {
            job, store,
        };
        command.SetAction((parse, ct) =>
        {
            string storeText = StoreOption.Resolve(parse.GetValue(store));
            return JobStoreAccess.RunAsync(parse.InvocationConfiguration, storeText,
                s => CancelAsync(parse.InvocationConfiguration.Output, s, storeText, parse.GetRequiredValue(job), ct));
        });
        return command;
    }

    private static async Task<int> CancelAsync(TextWriter output, IJobStore store, string storeText, string nameOrId, CancellationToken ct)
    {
        Job job = await JobStoreAccess.FindAsync(store, storeText, nameOrId, ct).ConfigureAwait(false);
        if (job.Status == JobStatus.Cancelled)
        {
            await output.WriteLineAsync($"Job '{job.Name}' ({job.Id}) was already cancelled.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        _ = await store.CancelAsync(job.Id, ct).ConfigureAwait(false)
            ?? throw new JobStoreAccess.Failure($"job '{job.Name}' ({job.Id}) was deleted from {storeText} meanwhile.");
        await output.WriteLineAsync($"Cancelled job '{job.Name}' ({job.Id}); it will not run again.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static Command CreateRun()
    {
        Argument<string> job = JobArgument();
        Option<string> store = StoreOption.Create();
        var command = new Command("run",
            "Run a job's command now, in this process, and print its output (the last " +
            CommandRunner.TailLength.ToString(CultureInfo.InvariantCulture) + " characters of stdout and of stderr). The run is recorded " +
            "in the history as manual and counts as a run; the schedule is unchanged. Exit code 1 if the command fails.")
        {
            job, store,
        };
        command.SetAction((parse, ct) =>
        {
            string storeText = StoreOption.Resolve(parse.GetValue(store));
            return JobStoreAccess.RunAsync(parse.InvocationConfiguration, storeText,
                s => RunNowAsync(parse.InvocationConfiguration, s, storeText, parse.GetRequiredValue(job), ct));
        });
        return command;
    }

    private static async Task<int> RunNowAsync(InvocationConfiguration console, IJobStore store, string storeText, string nameOrId, CancellationToken ct)
    {
        Job job = await JobStoreAccess.FindAsync(store, storeText, nameOrId, ct).ConfigureAwait(false);
        if (job.Status == JobStatus.Cancelled)
        {
            throw new JobStoreAccess.Failure($"job '{job.Name}' ({job.Id}) is cancelled; a cancelled job never runs again.");
        }

        if (job.Task != CommandRunner.TaskName)
        {
            throw new JobStoreAccess.Failure($"job '{job.Name}' runs the task '{job.Task}', which only the app that registered it can run.");
        }

        // The run is made without the store's dispatch lock, so this works while a schedctl run owns the store; that runner sees it
        // in the job's counters and overlap policy. Its lease is ours to renew (no dispatcher does it here): a command that runs
        // long is not taken for lost, and if this process dies the runner records the run as interrupted once the lease expires.
        var options = new SchedulerOptions { Store = store, NodeName = $"{Environment.MachineName}:{Environment.ProcessId}" };
        var scheduler = new Scheduler(options);
        await using ConfiguredAsyncDisposable disposeScheduler = scheduler.ConfigureAwait(false);
        using ITimer renew = TimeProvider.System.CreateTimer(_ => RenewLease(store, options), null, options.LeaseDuration / 3, options.LeaseDuration / 3);
        bool started = false;
        scheduler.RegisterTask(CommandRunner.TaskName, (context, token) =>
        {
            started = true;
            return CommandRunner.RunAsync(context, token);
        });

        DateTimeOffset start = TimeProvider.System.GetUtcNow();
        string summary;
        int exitCode;
        try
        {
            object? result = await scheduler.RunNowAsync(job.Id, ct).ConfigureAwait(false);
            var output = result as JsonObject;
            await WriteOutputAsync(console, output?["stdout"]?.GetValue<string>(), output?["stderr"]?.GetValue<string>()).ConfigureAwait(false);
            summary = $"ok, exit 0";
            exitCode = ExitCodes.Success;
        }
        catch (InvalidOperationException e) when (!started)
        {
            // Refused before the command started: its runs are used up, or the store would not let this process run it.
            throw new JobStoreAccess.Failure(e.Message);
        }
        catch (CommandFailedException e)
        {
            await WriteOutputAsync(console, e.Stdout, e.Stderr).ConfigureAwait(false);
            summary = $"failed, {e.Message}";
            exitCode = ExitCodes.InvalidInput;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            summary = "interrupted; the command was stopped";
            exitCode = ExitCodes.InvalidInput;
        }
#pragma warning disable CA1031 // Whatever the run threw (a timeout, a program that does not exist) was recorded; report it in one line.
        catch (Exception e) when (started)
#pragma warning restore CA1031
        {
            summary = $"failed, {e.Message}";
            exitCode = ExitCodes.InvalidInput;
        }

        TimeSpan took = TimeProvider.System.GetUtcNow() - start;
        await console.Error.WriteLineAsync($"schedctl: ran job '{job.Name}' now (manual run, recorded in its history): {summary} ({JobFormat.Duration(took)}).")
            .ConfigureAwait(false);
        return exitCode;
    }

    private static void RenewLease(IJobStore store, SchedulerOptions options)
    {
        try
        {
            // The SQLite store works synchronously: the task is complete when it returns.
            store.RenewLeasesAsync(options.NodeName!, TimeProvider.System.GetUtcNow() + options.LeaseDuration).AsTask().GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // A renewal that fails (the disk is busy) is made again at the next tick; the lease has room for it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static async Task WriteOutputAsync(InvocationConfiguration console, string? stdout, string? stderr)
    {
        await console.Output.WriteAsync(stdout).ConfigureAwait(false);
        await console.Error.WriteAsync(stderr).ConfigureAwait(false);
    }

    private static string Quote(string name) => name.Any(char.IsWhiteSpace) ? "'" + name + "'" : name;
}
