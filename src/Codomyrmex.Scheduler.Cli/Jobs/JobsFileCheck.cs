using Codomyrmex.Scheduler.Cli.Running;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>
/// The one check of a jobs file that both <c>schedctl validate</c> and <c>schedctl run</c> make, so that a file validate
/// accepts is a file run starts with: read it, turn every job into the scheduler's job, and reconcile those into a scheduler
/// on an in-memory store, which applies the scheduler's own rules (options, triggers that never fire, limits).
/// </summary>
internal static class JobsFileCheck
{
    private const string InvalidPrefix = "The job definitions are not valid: ";

    /// <summary>Reads and checks a jobs file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="format">How to read it, or <see langword="null"/> to tell by its name and content.</param>
    /// <param name="system">Whether it is a system crontab (also taken from its place, <c>/etc/crontab</c> or <c>/etc/cron.d/*</c>).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The file with its jobs' definitions and next runs, or every error found.</returns>
    public static Task<JobsFileResult> CheckAsync(string path, JobsFileFormat? format, bool system, CancellationToken cancellationToken) =>
        CheckAsync(JobsFileReader.Read(path, format, system), TimeProvider.System, Accounts.System, cancellationToken);

    /// <summary>Checks a jobs file that was read.</summary>
    /// <param name="read">What reading the file gave.</param>
    /// <param name="time">The clock: now is the start, the time of <c>@reboot</c> jobs' one run, and next runs are computed from it.</param>
    /// <param name="accounts">Whether this process is root and which accounts exist (<see cref="Accounts.System"/>, or a stand-in in tests).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The file with its jobs' definitions and next runs, or every error found.</returns>
    public static async Task<JobsFileResult> CheckAsync(JobsFileResult read, TimeProvider time, Accounts accounts, CancellationToken cancellationToken)
    {
        if (read.File is not { } file)
        {
            return read;
        }

        if (file.IsSystem)
        {
            if (!accounts.IsRoot)
            {
                return Failed(new FileError(0, 0,
                    "this is a system crontab, whose jobs run as the account named after each schedule; only root can run commands as " +
                    "other accounts, so run schedctl as root (or make a user crontab without the user column)."));
            }

            if (UnknownUsers(file, accounts) is { Count: > 0 } unknown)
            {
                return Failed([.. unknown]);
            }
        }
        else if (file.Format == JobsFileFormat.Crontab && AccountsAsCommands(file, accounts) is { Count: > 0 } misread)
        {
            return Failed([.. misread]);
        }

        DateTimeOffset startedAt = time.GetUtcNow();
        var jobs = new List<(JobSpec Spec, JobDefinition Definition)>(file.Jobs.Count);
        foreach (JobSpec job in file.Jobs)
        {
            jobs.Add((job, CommandJobs.ToDefinition(job, startedAt)));
        }

        var errors = new List<FileError>();
        Dictionary<string, Job>? accepted = await ReconcileAsync(jobs, time, errors, cancellationToken).ConfigureAwait(false);
        return accepted is null
            ? Failed([.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)])
            : read with
            {
                File = file with { Definitions = [.. jobs.Select(job => job.Definition)], NextRuns = [.. file.Jobs.Select(job => accepted[job.Name].NextRun)] },
            };

        JobsFileResult Failed(params FileError[] problems) => new(read.Format, null, problems);
    }

    /// <summary>
    /// Reconciles jobs into a scheduler on a fresh in-memory store: the accepted jobs by name, or <see langword="null"/> with
    /// the refusals added to <paramref name="errors"/>, each at its own job.
    /// </summary>
    /// <remarks>
    /// The scheduler refuses a set of definitions as a whole, so a refused set is halved and each half checked again until
    /// every refusal is down to one job: a file of many jobs is checked in a few passes, not one scheduler per job.
    /// </remarks>
    private static async Task<Dictionary<string, Job>?> ReconcileAsync(
        List<(JobSpec Spec, JobDefinition Definition)> jobs, TimeProvider time, List<FileError> errors, CancellationToken cancellationToken)
    {
        string refusal;
        var scheduler = new Scheduler(new SchedulerOptions { Store = new InMemoryJobStore(timeProvider: time), TimeProvider = time });
        await using (scheduler.ConfigureAwait(false))
        {
            scheduler.RegisterTask(CommandRunner.TaskName, CommandRunner.RunAsync);
            try
            {
                await scheduler.ReconcileAsync("check", jobs.Select(job => job.Definition), cancellationToken).ConfigureAwait(false);
                return scheduler.ListJobs().ToDictionary(job => job.Name, StringComparer.Ordinal);
            }
            catch (Exception e) when (e is ArgumentException or OverflowException or InvalidOperationException or FormatException)
            {
                // ArgumentException lists the scheduler's rules a job breaks; the others are values its arithmetic cannot take.
                if (jobs.Count == 1)
                {
                    errors.AddRange(Refusals(jobs[0].Spec, e));
                    return null;
                }

                refusal = e.Message;
            }
        }

        int before = errors.Count;
        int half = jobs.Count / 2;
        await ReconcileAsync(jobs[..half], time, errors, cancellationToken).ConfigureAwait(false);
        await ReconcileAsync(jobs[half..], time, errors, cancellationToken).ConfigureAwait(false);
        if (errors.Count == before)
        {
            // Each half alone is accepted, so the jobs are refused together: say so for the file as a whole.
            errors.Add(new FileError(0, 0, "the scheduler refuses the jobs together: " + refusal));
        }

        return null;
    }

    /// <summary>The users of a system crontab that the machine has no account for, at their place.</summary>
    private static List<FileError> UnknownUsers(JobsFile file, Accounts accounts)
    {
        var errors = new List<FileError>();
        var known = new Dictionary<string, bool?>(StringComparer.Ordinal);
        foreach (JobSpec job in file.Jobs)
        {
            if (job.User is not { } user)
            {
                continue;
            }

            if (!known.TryGetValue(user, out bool? exists))
            {
                exists = known[user] = accounts.Exists(user);
            }

            if (exists == false)
            {
                (int line, int column) = job.Places.GetValueOrDefault("user", (job.Line, job.Column));
                errors.Add(new FileError(line, column, $"there is no account '{user}' on this machine to run the command as."));
            }
        }

        return errors;
    }

    /// <summary>
    /// Jobs of a user crontab whose command starts with an account name that is no program (<c>0 * * * * root /usr/bin/backup</c>):
    /// the file is a system crontab read as a user one, which would run the account name as a command.
    /// </summary>
    private static List<FileError> AccountsAsCommands(JobsFile file, Accounts accounts)
    {
        var errors = new List<FileError>();
        var seen = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (JobSpec job in file.Jobs)
        {
            string word = job.Command[0].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
            if (UserNames.Problem(word) is not null)
            {
                continue;
            }

            string? path = job.Environment.GetValueOrDefault("PATH") ?? Environment.GetEnvironmentVariable("PATH");
            if (!seen.TryGetValue(word, out bool misread))
            {
                misread = seen[word] = !IsProgram(word, path) && accounts.Exists(word) == true;
            }

            if (misread)
            {
                (int line, int column) = job.Places.GetValueOrDefault("command", (job.Line, job.Column));
                errors.Add(new FileError(line, column,
                    $"the command starts with '{word}', an account on this machine and no program: is this a system crontab, with a user " +
                    "column after the schedule? Then read it as one with --system."));
            }
        }

        return errors;
    }

    /// <summary>Whether a word is a program the shell would find on the search path (or one of the shell's own words, which no account is named).</summary>
    private static bool IsProgram(string word, string? searchPath) =>
        word is "cd" or "test" or "exec" or "export" or "set" or "if" or "for" or "while" or "case" or "true" or "false" or "echo" or "exit" or "umask"
        || (searchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(folder => File.Exists(Path.Combine(folder, word)));

    /// <summary>The scheduler's reasons for refusing a job, each at the field it is about (else at the job).</summary>
    internal static IEnumerable<FileError> Refusals(JobSpec job, Exception e)
    {
        string message = e is ArgumentException { ParamName: { } name } && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? e.Message[..^$" (Parameter '{name}')".Length]
            : e.Message;
        message = message.StartsWith(InvalidPrefix, StringComparison.Ordinal) ? message[InvalidPrefix.Length..] : message;
        string jobPrefix = $"Job '{job.Name}': ";
        string[] problems = message.Split(jobPrefix, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string problem in problems.Length == 0 ? [message] : problems)
        {
            (int line, int column) = job.Places.GetValueOrDefault(FieldOf(problem, job), (job.Line, job.Column));
            yield return new FileError(line, column, $"the scheduler refuses job '{job.Name}': {problem}");
        }
    }

    /// <summary>The jobs-file field a scheduler message is about, by the option or thing it names; "" (the job itself) for any other.</summary>
    private static string FieldOf(string problem, JobSpec job) =>
        problem.StartsWith("MaxRetryDelay", StringComparison.Ordinal) || problem.StartsWith("RetryDelay", StringComparison.Ordinal) ? "retry_delay"
        : problem.StartsWith("Timeout", StringComparison.Ordinal) ? "timeout"
        : problem.StartsWith("MisfireGraceTime", StringComparison.Ordinal) ? "misfire_grace"
        : problem.StartsWith("MaxAttempts", StringComparison.Ordinal) ? "max_attempts"
        : problem.StartsWith("max runs", StringComparison.OrdinalIgnoreCase) ? "max_runs"
        : problem.Contains("trigger", StringComparison.OrdinalIgnoreCase) ? (job.Places.ContainsKey("trigger") ? "trigger" : "schedule")
        : "";
}
