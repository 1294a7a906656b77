using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Output;
using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Shared;
using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// <c>schedctl jobs list|show|history|cancel|run|pause|resume|delete|purge</c>: the jobs of a store, read and changed from the
/// command line, also while a <c>schedctl run</c> works on the same store (it sees a change within a second, through the store's
/// change polling).
/// </summary>
internal static partial class JobsCommand
{
    private const int ShowRuns = 5;

    private static readonly string[] Statuses = [.. Enum.GetValues<JobStatus>().Select(JobFormat.Status)];
    private static readonly string[] Outcomes = [.. Enum.GetValues<RunOutcome>().Select(JobFormat.Outcome)];

    public static Command Create()
    {
        var command = new Command("jobs",
            "List, inspect, run, pause, cancel and delete the jobs of a store, also while a schedctl run works on it. Times print in " +
            "local time with their offset (--utc: in UTC); --json prints ISO 8601 times in UTC.")
        {
            CreateList(), CreateShow(), CreateHistory(), CreateCancel(), CreateRun(), CreatePause(), CreateResume(), CreateDelete(), CreatePurge(),
        };
        return command;
    }

    private static Argument<string> JobArgument() =>
        new("job") { Description = "The job's name (as in its jobs file) or its id." };

    /// <summary>
    /// A jobs subcommand: its store option, its --utc option and its action, which gets the open store; a failure of the store
    /// or a job that is not found is one line on stderr and exit code 1. A command that only reads opens the store read-only:
    /// it never writes a byte of it, and works on a file this process cannot write.
    /// </summary>
    private static Command Create(string name, string description, IEnumerable<Symbol> symbols, Func<Invocation, Task<int>> action,
        bool readOnly = false)
    {
        Option<string> store = StoreOption.Create();
        Option<bool> utc = Schedctl.UtcOption();
        var command = new Command(name, description);
        foreach (Symbol symbol in symbols.Append(store).Append(utc))
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.SetAction((parse, ct) =>
        {
            string storeText = StoreOption.Resolve(parse.GetValue(store));
            return JobStoreAccess.RunAsync(parse.InvocationConfiguration, storeText,
                s => action(new Invocation(parse, s, storeText, TimeText.For(parse.GetValue(utc)), ct)), readOnly);
        });
        return command;
    }

    /// <summary>What a jobs subcommand works with: its parsed command line, the open store, how to print times.</summary>
    private sealed record Invocation(ParseResult Parse, IJobStore Store, string StoreText, TimeText Time, CancellationToken Cancellation)
    {
        public TextWriter Output => Parse.InvocationConfiguration.Output;

        public Task<Job> FindAsync(Argument<string> job) => JobStoreAccess.FindAsync(Store, StoreText, Parse.GetRequiredValue(job), Cancellation);
    }

    /// <summary>How many jobs <c>jobs list</c> prints unless told otherwise: one page, so that a store of a million jobs answers at once.</summary>
    private const int ListPage = 100;

    /// <summary>The filters of <c>jobs list</c>, all of which a job must match.</summary>
    private readonly record struct ListFilter(string? Status, string? Name, string? NamePrefix, string? Source);

    private static Command CreateList()
    {
        var status = new Option<string?>("--status") { Description = "Only jobs with this status.", HelpName = string.Join('|', Statuses) };
        status.AcceptOnlyFromAmong(Statuses);
        var name = new Option<string?>("--name") { Description = "Only jobs with exactly this name.", HelpName = "NAME" };
        var prefix = new Option<string?>("--name-prefix")
        {
            Description = "Only jobs whose name starts with this text, matched case by case (the store finds them in its index of names; " +
                "there is no search for text inside names).",
            HelpName = "TEXT",
        };
        var source = new Option<string?>("--source")
        {
            Description = "Only jobs declared by this source, exactly as 'schedctl jobs show' prints it: schedctl for the jobs of every " +
                "'schedctl run' and 'schedctl mcp' (one source whichever file they read), mcp for the jobs an agent created through MCP, " +
                "configuration for a .NET host's declared jobs. Jobs scheduled in code have no source and never match.",
            HelpName = "SOURCE",
        };
        var limit = new Option<int>("--limit")
        {
            Description = $"The most jobs to print; the last line says how many match and how to see the next page. Default: {ListPage}.",
            DefaultValueFactory = _ => ListPage,
        };
        var offset = new Option<int>("--offset")
        {
            Description = "How many matching jobs to pass over first, in the order they were added (for the next pages; an offset deep into " +
                "a large store costs more than the first pages, as the store walks past the jobs it skips).",
        };
        var all = new Option<bool>("--all") { Description = "Print every matching job instead of one page (on a large store, a long read)." };
        limit.Validators.Add(result => AtLeast(result, limit.Name, 1));
        offset.Validators.Add(result => AtLeast(result, offset.Name, 0));
        Option<bool> json = Schedctl.JsonOption("the page of jobs, how many match in all (total) and the offset of the next page");
        Command command = Create("list",
            $"List the jobs of the store, {ListPage} at a time in the order they were added (--limit, --offset, --all): name, id, status (and " +
            "whether paused), schedule, next and last run, successful and failed runs; above them, the process that runs the store's jobs, or " +
            "that none does; below them, how many jobs match and the command for the next page.",
            [status, name, prefix, source, limit, offset, all, json],
            i => ListAsync(i, new ListFilter(i.Parse.GetValue(status), i.Parse.GetValue(name), i.Parse.GetValue(prefix), i.Parse.GetValue(source)),
                i.Parse.GetValue(offset), i.Parse.GetValue(all) ? null : i.Parse.GetValue(limit), i.Parse.GetValue(json)),
            readOnly: true);
        command.Validators.Add(result =>
        {
            if (result.GetValue(all) && result.GetResult(limit) is { Implicit: false })
            {
                result.AddError("--all and --limit do not go together: --all prints every matching job.");
            }
        });
        return command;

        static void AtLeast(System.CommandLine.Parsing.OptionResult result, string option, int least)
        {
            if (result.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out int n) && n < least)
            {
                result.AddError($"{option} must be {least} or more.");
            }
        }
    }

    private static async Task<int> ListAsync(Invocation invocation, ListFilter filter, int offset, int? limit, bool json)
    {
        (TextWriter output, IJobStore store, CancellationToken ct) = (invocation.Output, invocation.Store, invocation.Cancellation);
        var query = new JobQuery
        {
            Status = filter.Status is null ? null : Enum.Parse<JobStatus>(filter.Status, ignoreCase: true),
            Name = filter.Name,
            NamePrefix = filter.NamePrefix,
            Source = filter.Source,
            Offset = offset,
            Limit = limit,
        };

        // One page from the store, filtered there: never every job, and the total is the store's count of the matches.
        JobPage page = await store.ListAsync(query, ct).ConfigureAwait(false);
        IReadOnlyList<Job> jobs = page.Items;
        int? nextOffset = offset + jobs.Count < page.Total && jobs.Count > 0 ? offset + jobs.Count : null;
        if (json)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("total", page.Total);
                writer.WriteNumber("offset", offset);
                if (limit is { } most)
                {
                    writer.WriteNumber("limit", most);
                }
                else
                {
                    writer.WriteNull("limit");
                }

                if (nextOffset is { } next)
                {
                    writer.WriteNumber("next_offset", next);
                }
                else
                {
                    writer.WriteNull("next_offset");
                }

                writer.WriteStartArray("jobs");
                foreach (Job job in jobs)
                {
                    writer.WriteStartObject();
                    JobFormat.WriteJobFields(writer, job);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return ExitCodes.Success;
        }

        TimeText time = invocation.Time;
        string matching = Matching(filter);
        if (page.Total == 0)
        {
            await output.WriteLineAsync($"No {matching}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        if (jobs.Count == 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"No jobs past --offset {offset}: {page.Total:N0} {(page.Total == 1 ? Singular(matching) : matching)} in all.")).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var table = new TextTable("NAME", "ID", "STATUS", "SCHEDULE", "NEXT RUN", "LAST RUN", "SUCCEEDED>", "FAILED>");
        foreach (Job job in jobs)
        {
            table.Add(job.Name, job.Id, JobFormat.Status(job), JobFormat.Schedule(job.Trigger, time), JobFormat.Time(job.NextRun, time),
                JobFormat.Time(job.LastRun, time), job.RunCount.ToString(CultureInfo.InvariantCulture), job.FailureCount.ToString(CultureInfo.InvariantCulture));
        }

        // Next-run times in the past mean something else with a runner (it is busy) than without one (nothing fires): say which.
        if (store is SqliteJobStore sqlite)
        {
            await output.WriteLineAsync(sqlite.GetLockHolder() is { } runner
                ? TextTable.Printable($"Runner: process {runner.ProcessId} ({runner.ProcessName}) on {runner.Host}, running these jobs since {time.Format(runner.Since)}.")
                : "No runner is live: nothing fires now. Next runs in the past run (as each job's misfire policy says) when a schedctl run " +
                  "starts on this store.").ConfigureAwait(false);
        }

        table.Write(output);
        string shown = offset == 0 && jobs.Count == page.Total
            ? string.Create(CultureInfo.InvariantCulture, $"{page.Total:N0} {(page.Total == 1 ? Singular(matching) : matching)}.")
            : string.Create(CultureInfo.InvariantCulture, $"Showing {offset + 1:N0}-{offset + jobs.Count:N0} of {page.Total:N0} {matching}.");
        if (nextOffset is { } following)
        {
            shown += " Next: " + NextPageCommand(invocation, filter, limit, following);
        }

        await output.WriteLineAsync(TextTable.Printable(shown)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>What the listed jobs are, in words: <c>pending jobs named 'x'</c>.</summary>
    private static string Matching(ListFilter filter)
    {
        var text = new StringBuilder(filter.Status is null ? "jobs" : filter.Status + " jobs");
        if (filter.Name is { } name)
        {
            text.Append(CultureInfo.InvariantCulture, $" named '{name}'");
        }

        if (filter.NamePrefix is { } prefix)
        {
            text.Append(CultureInfo.InvariantCulture, $" whose name starts with '{prefix}'");
        }

        if (filter.Source is { } source)
        {
            text.Append(CultureInfo.InvariantCulture, $" from {source}");
        }

        return text.ToString();
    }

    /// <summary>The words of <see cref="Matching"/> for one job: <c>pending job named 'x'</c>.</summary>
    private static string Singular(string matching)
    {
        int jobs = matching.IndexOf("jobs", StringComparison.Ordinal);
        return matching[..jobs] + "job" + matching[(jobs + 4)..];
    }

    /// <summary>The command line that prints the page after this one: the same filters, page size and store, and the next offset.</summary>
    private static string NextPageCommand(Invocation invocation, ListFilter filter, int? limit, int offset)
    {
        var words = new List<string> { "schedctl", "jobs", "list" };
        foreach ((string option, string? value) in new[]
        {
            ("--status", filter.Status), ("--name", filter.Name), ("--name-prefix", filter.NamePrefix), ("--source", filter.Source),
            ("--limit", limit is { } most && most != ListPage ? most.ToString(CultureInfo.InvariantCulture) : null),
            ("--offset", offset.ToString(CultureInfo.InvariantCulture)),
            ("--store", invocation.StoreText == StoreOption.Resolve(null) ? null : invocation.StoreText),
        })
        {
            if (value is not null)
            {
                words.Add(option);
                words.Add(ShellWord(value));
            }
        }

        return string.Join(' ', words);
    }

    /// <summary>A word as a POSIX shell reads it back: as it is when it is plain, else in single quotes.</summary>
    private static string ShellWord(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static Command CreateShow()
    {
        Argument<string> job = JobArgument();
        Option<bool> json = Schedctl.JsonOption("the job and its last runs");
        return Create("show", $"Show every field of one job and its last {ShowRuns} runs.", [job, json],
            async i => await ShowAsync(i, await i.FindAsync(job).ConfigureAwait(false), i.Parse.GetValue(json)).ConfigureAwait(false), readOnly: true);
    }

    private static async Task<int> ShowAsync(Invocation invocation, Job job, bool json)
    {
        (TextWriter output, TimeText time) = (invocation.Output, invocation.Time);
        RunPage runs = await invocation.Store.GetRunsAsync(new RunQuery { JobId = job.Id, Limit = ShowRuns }, invocation.Cancellation).ConfigureAwait(false);
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
            ("status", JobFormat.Status(job) + (job.ActiveRuns > 1 ? string.Create(CultureInfo.InvariantCulture, $" ({job.ActiveRuns} runs)") : "")),
            ("schedule", JobFormat.Schedule(job.Trigger, time)),
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
            ("created", JobFormat.Time(job.CreatedAt, time)),
            ("next run", JobFormat.Time(job.NextRun, time) + (job.IsPaused ? " (paused: not before a resume)" : "")),
            ("last run", JobFormat.Time(job.LastRun, time)),
            ("last duration", job.LastDuration is { } d ? JobFormat.Duration(d) : null),
            ("finished", JobFormat.Time(job.FinishedAt, time)),
            ("succeeded", Runs(job.RunCount)),
            ("failed", Runs(job.FailureCount)),
            ("max runs", job.MaxRuns is { } max ? string.Create(CultureInfo.InvariantCulture, $"{max} (succeeded and failed together)") : "no limit"),
            ("error", ErrorText.Message(job.Error)),
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
            await output.WriteLineAsync((name + ":").PadRight(width) + (value is null ? "-" : TextTable.Printable(value))).ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        if (runs.Total == 0)
        {
            await output.WriteLineAsync("No runs recorded yet.").ConfigureAwait(false);
        }
        else
        {
            // The history also keeps skipped and interrupted runs, and may have dropped old ones: its total is not the counts above.
            string which = runs.Items.Count == runs.Total ? $"All {runs.Total}" : $"The last {runs.Items.Count} of {runs.Total}";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{which} runs in its history, every outcome (schedctl jobs history {Quote(job.Name)} for more):")).ConfigureAwait(false);
            JobFormat.WriteRuns(output, runs.Items, time);
        }

        return ExitCodes.Success;

        static string Runs(int count) => string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? "run" : "runs")}");
    }

    private static Command CreateHistory()
    {
        Argument<string> job = JobArgument();
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
        return Create("history",
            "Show a job's runs, newest first: when due and started, how long, where, how it ended, and its error or first line of output.",
            [job, count, offset, outcome, json], async i =>
            {
                RunOutcome? filter = i.Parse.GetValue(outcome) is { } o ? Enum.Parse<RunOutcome>(o, ignoreCase: true) : null;
                var query = new RunQuery { Outcome = filter, Offset = i.Parse.GetValue(offset), Limit = i.Parse.GetValue(count) };
                return await HistoryAsync(i, await i.FindAsync(job).ConfigureAwait(false), query, i.Parse.GetValue(json)).ConfigureAwait(false);
            }, readOnly: true);
    }

    private static async Task<int> HistoryAsync(Invocation invocation, Job job, RunQuery query, bool json)
    {
        TextWriter output = invocation.Output;
        RunPage runs = await invocation.Store.GetRunsAsync(query with { JobId = job.Id }, invocation.Cancellation).ConfigureAwait(false);
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
            string so = query.Outcome is null ? "" : " that ended so";
            await output.WriteLineAsync(
                runs.Total == 0 ? $"Job {JobFormat.Named(job)} has no runs{so} yet."
                : query.Offset < runs.Total ? string.Create(CultureInfo.InvariantCulture,
                    $"Job {JobFormat.Named(job)} has {runs.Total} {(runs.Total == 1 ? "run" : "runs")}{so}; -n 0 shows none of them.")
                : string.Create(CultureInfo.InvariantCulture, $"No runs past the first {runs.Total}.")).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        JobFormat.WriteRuns(output, runs.Items, invocation.Time);
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
        return Create("cancel",
            "Cancel a job: this job never runs again. A schedctl run on the store sees it within a second and stops a command of it " +
            "that is running. Cancelling a cancelled job succeeds again. Remove it from its jobs file too: the next schedctl run of a " +
            "file that still has it adds it back as a new job (with a new id), which runs.",
            [job], async i => await CancelAsync(i, await i.FindAsync(job).ConfigureAwait(false)).ConfigureAwait(false));
    }

    private static async Task<int> CancelAsync(Invocation invocation, Job job)
    {
        if (job.Status == JobStatus.Cancelled)
        {
            await invocation.Output.WriteLineAsync($"Job {JobFormat.Named(job)} was already cancelled.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        _ = await invocation.Store.CancelAsync(job.Id, invocation.Cancellation).ConfigureAwait(false) ?? throw Gone(invocation, job);
        await invocation.Output.WriteLineAsync($"Cancelled job {JobFormat.Named(job)}; it will not run again.{ComesBack(job)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>
    /// For a job a jobs file declared, that the file brings it back: the next <c>schedctl run</c> adds every job of the file that
    /// has no live job of its name, so a cancelled or deleted job returns, as a new job, until it leaves the file.
    /// </summary>
    private static string ComesBack(Job job) => job.Source == RunCommand.Source
        ? " The next 'schedctl run' of a jobs file that still declares it adds it back as a new job: remove it from the file too."
        : "";

    /// <summary>The error for a job that another process deleted between finding it and changing it.</summary>
    private static JobStoreAccess.Failure Gone(Invocation invocation, Job job) =>
        new($"job {JobFormat.Named(job)} was deleted from {invocation.StoreText} meanwhile.");

    private static Command CreateRun()
    {
        Argument<string> job = JobArgument();
        Option<bool> json = Schedctl.JsonOption("the outcome, exit code, output and times of the run");
        return Create("run",
            "Run a job's command now, in this process, and print its output (the last " +
            CommandRunner.TailLength.ToString(CultureInfo.InvariantCulture) + " characters of stdout and of stderr). The run is recorded " +
            "in the history as manual and counts as a run; the schedule is unchanged. A paused job runs too. Exit code 1 if the command fails. " +
            "SIGINT (Ctrl+C) or SIGTERM stops the command and records the run as interrupted (exit code 130, 143).",
            [job, json], async i => await RunNowAsync(i, await i.FindAsync(job).ConfigureAwait(false), i.Parse.GetValue(json)).ConfigureAwait(false));
    }

    private static async Task<int> RunNowAsync(Invocation invocation, Job job, bool json)
    {
        (IJobStore store, CancellationToken ct, InvocationConfiguration console) = (invocation.Store, invocation.Cancellation, invocation.Parse.InvocationConfiguration);
        if (job.Status == JobStatus.Cancelled)
        {
            throw new JobStoreAccess.Failure($"job {JobFormat.Named(job)} is cancelled; a cancelled job never runs again.");
        }

        if (job.Task != CommandRunner.TaskName)
        {
            throw new JobStoreAccess.Failure($"job {JobFormat.Named(job)} runs the task '{job.Task}', which only the app that registered it can run.");
        }

        // The run is made without the store's dispatch lock, so this works while a schedctl run owns the store; that runner sees it
        // in the job's counters and overlap policy. The scheduler's heartbeat renews its lease while it runs (started or not): a
        // command that runs long is not taken for lost, and if this process dies the runner records the run as interrupted once
        // the lease expires.
        var options = new SchedulerOptions { Store = store, NodeName = $"{Environment.MachineName}:{Environment.ProcessId}" };
        var scheduler = new Scheduler(options);
        await using ConfiguredAsyncDisposable disposeScheduler = scheduler.ConfigureAwait(false);
        bool started = false;
        scheduler.RegisterTask(CommandRunner.TaskName, (context, token) =>
        {
            started = true;
            return CommandRunner.RunAsync(context, token);
        });

        // SIGINT (Ctrl+C) or SIGTERM stops the command (SIGTERM to its group, SIGKILL after the kill timeout) and records the
        // run as interrupted, so the job is not left claimed until its lease expires. A second signal ends schedctl at once:
        // the command's wrapper still kills its group, and the run is recovered as interrupted when the lease expires.
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        int signal = 0;
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration stop = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        DateTimeOffset start = TimeProvider.System.GetUtcNow();
        var run = new ManualRun();
        try
        {
            object? result = await scheduler.RunNowAsync(job.Id, interrupt.Token).ConfigureAwait(false);
            var output = result as JsonObject;
            run = new ManualRun(RunOutcome.Succeeded, 0, null, output?["stdout"]?.GetValue<string>(), output?["stderr"]?.GetValue<string>());
        }
        catch (InvalidOperationException e) when (!started)
        {
            // Refused before the command started: its runs are used up, or the store would not let this process run it.
            throw new JobStoreAccess.Failure(e.Message);
        }
        catch (CommandFailedException e)
        {
            run = new ManualRun(RunOutcome.Failed, e.ExitCode, e.Message, e.Stdout, e.Stderr);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            string by = Volatile.Read(ref signal) == (int)PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
            run = new ManualRun(RunOutcome.Interrupted, null, $"interrupted by {by}; the command was stopped", null, null);
        }
#pragma warning disable CA1031 // Whatever the run threw (a timeout, a program that does not exist) was recorded; report it in one line.
        catch (Exception e) when (started)
#pragma warning restore CA1031
        {
            run = new ManualRun(RunOutcome.Failed, null, e.Message, null, null);
        }

        DateTimeOffset end = TimeProvider.System.GetUtcNow();
        int exitCode = run.Outcome switch
        {
            RunOutcome.Succeeded => ExitCodes.Success,
            RunOutcome.Interrupted when Volatile.Read(ref signal) == (int)PosixSignal.SIGTERM => ExitCodes.Terminated,
            RunOutcome.Interrupted when Volatile.Read(ref signal) != 0 => ExitCodes.Interrupted,
            _ => ExitCodes.InvalidInput,
        };
        if (json)
        {
            JsonOutput.Write(console.Output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("job_id", job.Id);
                writer.WriteString("name", job.Name);
                writer.WriteString("outcome", JobFormat.Outcome(run.Outcome));
                if (run.ExitCode is { } code)
                {
                    writer.WriteNumber("exit_code", code);
                }
                else
                {
                    writer.WriteNull("exit_code");
                }

                writer.WriteString("error", run.Error);
                JobFormat.WriteTime(writer, "started", start);
                JobFormat.WriteTime(writer, "finished", end);
                writer.WriteNumber("duration_ms", Math.Round((end - start).TotalMilliseconds, 3));
                writer.WriteString("stdout", run.Stdout ?? "");
                writer.WriteString("stderr", run.Stderr ?? "");
                writer.WriteEndObject();
            });
            return exitCode;
        }

        await console.Output.WriteAsync(run.Stdout).ConfigureAwait(false);
        await console.Error.WriteAsync(run.Stderr).ConfigureAwait(false);
        string summary = run.Outcome switch
        {
            RunOutcome.Succeeded => "ok, exit 0",
            RunOutcome.Interrupted => run.Error!,
            _ => "failed, " + run.Error,
        };
        await console.Error.WriteLineAsync(
            $"schedctl: ran job {JobFormat.Named(job)} now (manual run, recorded in its history): {summary} ({JobFormat.Duration(end - start)}).").ConfigureAwait(false);
        return exitCode;

        void OnSignal(PosixSignalContext context)
        {
            if (Interlocked.CompareExchange(ref signal, (int)context.Signal, 0) != 0)
            {
                // A second signal: the default action ends schedctl now.
                return;
            }

            context.Cancel = true;
            try
            {
                interrupt.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run had ended: nothing left to stop.
            }
        }
    }

    /// <summary>How a manual run ended, as <c>jobs run</c> reports it.</summary>
    private readonly record struct ManualRun(RunOutcome Outcome, int? ExitCode, string? Error, string? Stdout, string? Stderr);

    /// <summary>A job's name as a command line gives it: quoted if it has spaces, safe for a terminal.</summary>
    private static string Quote(string name) => name.Any(char.IsWhiteSpace) ? "'" + TextTable.Printable(name) + "'" : TextTable.Printable(name);
}
