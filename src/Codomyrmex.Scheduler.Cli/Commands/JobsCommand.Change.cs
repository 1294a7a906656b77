using System.CommandLine;
using System.Globalization;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary><c>schedctl jobs pause|resume|delete|purge</c>.</summary>
internal static partial class JobsCommand
{
    /// <summary>How many finished jobs purge reads at a time.</summary>
    private const int PurgeBatch = 1000;

    private static Command CreatePause()
    {
        Argument<string> job = JobArgument();
        return Create("pause",
            "Pause a job: it keeps its schedule and fires nothing until resumed (a run in progress finishes; 'schedctl jobs run' still " +
            "runs it). A schedctl run on the store sees it within a second. Pausing a paused job succeeds again; a completed, failed or " +
            "cancelled job has nothing to pause and is left as it is.",
            [job], async i => await PauseAsync(i, await i.FindAsync(job).ConfigureAwait(false), pause: true).ConfigureAwait(false));
    }

    private static Command CreateResume()
    {
        Argument<string> job = JobArgument();
        return Create("resume",
            "Resume a paused job. Occurrences that came due while it was paused were missed: its misfire policy decides (run once now, " +
            "skip to the next, or catch up each), as after any time no runner was live.",
            [job], async i => await PauseAsync(i, await i.FindAsync(job).ConfigureAwait(false), pause: false).ConfigureAwait(false));
    }

    private static async Task<int> PauseAsync(Invocation invocation, Job job, bool pause)
    {
        TextWriter output = invocation.Output;
        string named = $"Job {JobFormat.Named(job)}";
        if (job.Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled)
        {
            await output.WriteLineAsync($"{named} is {JobFormat.Status(job.Status)}: it never runs again, so there is nothing to {(pause ? "pause" : "resume")}.")
                .ConfigureAwait(false);
            return ExitCodes.Success;
        }

        if (job.IsPaused == pause)
        {
            await output.WriteLineAsync($"{named} {(pause ? "was already paused" : "is not paused")}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        Job changed = await invocation.Store.SetPausedAsync(job.Id, pause, invocation.Cancellation).ConfigureAwait(false) ?? throw Gone(invocation, job);
        await output.WriteLineAsync(pause
            ? $"Paused job {JobFormat.Named(job)}: it keeps its schedule and fires nothing until 'schedctl jobs resume {Quote(job.Name)}'."
            : $"Resumed job {JobFormat.Named(job)}; next run {JobFormat.Time(changed.NextRun, invocation.Time) ?? "none"}" +
              (changed.NextRun < TimeProvider.System.GetUtcNow()
                  ? $" (missed while paused: occurrences late by less than its misfire grace of {DurationText.Format(changed.Options.MisfireGraceTime)} " +
                    $"run now, as its overlap policy, {PolicyText.Format(changed.Options.Overlap)}, allows; older ones follow its misfire policy, " +
                    $"{PolicyText.Format(changed.Options.Misfire)})."
                  : ".")).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static Command CreateDelete()
    {
        Argument<string> job = JobArgument();
        return Create("delete",
            "Delete a job and its run history from the store. A job with a run in progress is not deleted: cancel it, and delete it " +
            "once the run has ended. Remove it from its jobs file too: the next schedctl run of a file that still has it adds it back " +
            "as a new job (with a new id), which runs.",
            [job], async i => await DeleteAsync(i, await i.FindAsync(job).ConfigureAwait(false)).ConfigureAwait(false));
    }

    private static async Task<int> DeleteAsync(Invocation invocation, Job job)
    {
        int runs = (await invocation.Store.GetRunsAsync(new RunQuery { JobId = job.Id, Limit = 0 }, invocation.Cancellation).ConfigureAwait(false)).Total;
        if (!await DeleteOrExplainAsync(invocation, job).ConfigureAwait(false))
        {
            throw Gone(invocation, job);
        }

        await invocation.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Deleted job {JobFormat.Named(job)} and the {runs} {(runs == 1 ? "run" : "runs")} of its history.{ComesBack(job)}"))
            .ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Deletes the job; a run in progress is an error that says what to do.</summary>
    /// <returns>Whether the job was there to delete.</returns>
    private static async Task<bool> DeleteOrExplainAsync(Invocation invocation, Job job)
    {
        try
        {
            return await invocation.Store.DeleteAsync(job.Id, invocation.Cancellation).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The one refusal of a delete: a run of the job is in progress (claimed here or by the runner), or was left by a
            // schedctl that ended abruptly and is not recovered yet: only the next runner on the file recovers it.
            string then = job.Status == JobStatus.Cancelled
                ? "delete it once the run has ended"
                : $"cancel it first ('schedctl jobs cancel {Quote(job.Name)}'), and delete it once the run has ended";
            throw new JobStoreAccess.Failure($"job {JobFormat.Named(job)} has a run in progress, so it was not deleted.",
                invocation.Store is SqliteJobStore sqlite && sqlite.GetLockHolder() is null
                    ? "No runner is live, so the run is either a 'schedctl jobs run' still going in another shell, or was left by a schedctl " +
                      $"that ended abruptly: the next 'schedctl run' on this store records that one as interrupted. Then {then}."
                    : char.ToUpperInvariant(then[0]) + then[1..] + ".");
        }
    }

    private static Command CreatePurge()
    {
        var finished = new Option<bool>("--finished")
        {
            Description = "Delete jobs that are finished: completed, failed or cancelled. Required, so that the command says what it deletes.",
        };
        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = "Only jobs that finished longer ago than this: 7d, 12h, 1d12h, 90m.",
            HelpName = "DURATION",
            Required = true,
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (!DurationText.TryParse(text, out TimeSpan age, out string? reason))
                {
                    result.AddError($"--older-than '{text}': {reason}");
                }

                return age;
            },
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list the jobs that would be deleted." };
        Option<bool> json = Schedctl.JsonOption("the jobs deleted (or that would be) and those kept for a run in progress");
        Command command = Create("purge",
            "Delete the finished jobs (completed, failed or cancelled) that finished longer ago than --older-than, with their run " +
            "history. Jobs that may still run are never purged.",
            [finished, olderThan, dryRun, json],
            i => PurgeAsync(i, i.Parse.GetValue(olderThan), i.Parse.GetValue(dryRun), i.Parse.GetValue(json)));

        // A flag counts as given with its default (false), so Required alone lets a missing --finished through.
        command.Validators.Add(result =>
        {
            if (!result.GetValue(finished))
            {
                result.AddError("Option '--finished' is required: purge deletes only finished jobs, and the command line says so.");
            }
        });
        return command;
    }

    private static async Task<int> PurgeAsync(Invocation invocation, TimeSpan olderThan, bool dryRun, bool json)
    {
        // An age longer than the calendar reaches back (10000000d) is valid and simply matches nothing.
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        DateTimeOffset cutoff = olderThan < now - DateTimeOffset.MinValue ? now - olderThan : DateTimeOffset.MinValue;
        var deleted = new List<Job>();
        var running = new List<Job>();

        // Only finished jobs are read, a page of each status at a time: the jobs that may still run (most of a large store) never are.
        foreach (JobStatus status in (JobStatus[])[JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled])
        {
            for (int offset = 0; ;)
            {
                JobPage page = await invocation.Store.ListAsync(new JobQuery { Status = status, Offset = offset, Limit = PurgeBatch }, invocation.Cancellation)
                    .ConfigureAwait(false);
                foreach (Job job in page.Items)
                {
                    if (!(job.FinishedAt < cutoff))
                    {
                        offset++;
                    }
                    else if (job.ActiveRuns > 0)
                    {
                        running.Add(job); // cancelled while it ran: its run's outcome is still to be recorded.
                        offset++;
                    }
                    else if (dryRun)
                    {
                        deleted.Add(job);
                        offset++;
                    }
                    else if (await invocation.Store.DeleteAsync(job.Id, invocation.Cancellation).ConfigureAwait(false))
                    {
                        deleted.Add(job); // gone from the list, so the next page starts where this one ended.
                    }
                }

                if (page.Items.Count < PurgeBatch)
                {
                    break;
                }
            }
        }

        if (json)
        {
            JsonOutput.Write(invocation.Output, writer =>
            {
                writer.WriteStartObject();
                writer.WriteBoolean("dry_run", dryRun);
                JobFormat.WriteTime(writer, "finished_before", cutoff);
                WriteJobs("deleted", deleted);
                WriteJobs("kept_running", running);
                writer.WriteEndObject();

                void WriteJobs(string name, List<Job> list)
                {
                    writer.WriteStartArray(name);
                    foreach (Job job in list)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("job_id", job.Id);
                        writer.WriteString("name", job.Name);
                        writer.WriteString("status", JobFormat.Status(job.Status));
                        JobFormat.WriteTime(writer, "finished_at", job.FinishedAt);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }
            });
            return ExitCodes.Success;
        }

        TextWriter output = invocation.Output;
        string age = $"more than {DurationText.Format(olderThan)} ago";
        if (deleted.Count == 0)
        {
            await output.WriteLineAsync($"No job finished {age}; nothing {(dryRun ? "would be" : "was")} deleted.").ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{(dryRun ? "Would delete" : "Deleted")} {deleted.Count} {(deleted.Count == 1 ? "job" : "jobs")} that finished {age}, with their history:"))
                .ConfigureAwait(false);
            var table = new TextTable("NAME", "ID", "STATUS", "FINISHED");
            foreach (Job job in deleted)
            {
                table.Add(job.Name, job.Id, JobFormat.Status(job.Status), JobFormat.Time(job.FinishedAt, invocation.Time));
            }

            table.Write(output);
        }

        foreach (Job job in running)
        {
            await output.WriteLineAsync($"Kept job {JobFormat.Named(job)}: it was cancelled while a run was in progress; purge again once it has ended.")
                .ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}
