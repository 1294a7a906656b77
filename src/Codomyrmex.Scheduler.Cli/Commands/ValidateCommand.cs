using System.CommandLine;
using System.Globalization;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Cli.Output;
using Codomyrmex.Scheduler.Cli.Schedules;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// <c>schedctl validate FILE [--format json|crontab] [--system] [--utc] [--json]</c>: check a jobs file or crontab as
/// <c>schedctl run</c> checks it before starting, listing every error with its place, or every job with its schedule.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A JSON jobs file or a classic crontab." };
        var format = new Option<JobsFileFormat?>("--format")
        {
            Description = "How to read the file; by default JSON for a .json file or one that starts with '{', otherwise a crontab.",
            HelpName = "json|crontab",
        };
        Option<bool> system = SystemOption();
        Option<bool> utc = Schedctl.UtcOption();
        Option<bool> json = Schedctl.JsonOption("the jobs and errors");
        var command = new Command("validate",
            "Check a jobs file or crontab as 'schedctl run' does before it starts: every error as FILE:LINE:COL: message (exit code 1), " +
            "or every job with its schedule in words and its next run.")
        {
            file, format, system, utc, json,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.InvocationConfiguration, parse.GetRequiredValue(file), parse.GetValue(format), parse.GetValue(system), TimeText.For(parse.GetValue(utc)),
            parse.GetValue(json), cancellationToken));
        return command;
    }

    /// <summary>The <c>--system</c> option of <c>validate</c> and <c>run</c>: read the file as a system crontab, with a user column.</summary>
    public static Option<bool> SystemOption() => new("--system")
    {
        Description = "Read the file as a system crontab: the account to run as between the schedule and the command (the default for " +
            "/etc/crontab and /etc/cron.d/*). Running its jobs needs root.",
    };

    private static async Task<int> RunAsync(
        InvocationConfiguration console, string path, JobsFileFormat? format, bool system, TimeText time, bool json, CancellationToken cancellationToken)
    {
        JobsFileResult result = await JobsFileCheck.CheckAsync(path, format, system, cancellationToken)
            .ConfigureAwait(false);
        TextWriter output = console.Output;
        if (json)
        {
            WriteJson(output, path, result, time);
        }
        else if (result.File is { } file)
        {
            foreach (FileError note in file.Notes)
            {
                await output.WriteLineAsync((note with { Message = "note: " + note.Message }).Format(path)).ConfigureAwait(false);
            }

            if (file.Jobs.Count == 0)
            {
                await output.WriteLineAsync(file.Tasks.Count == 0
                    ? $"{path}: no jobs; 'schedctl run' starts with none (and removes from its store the jobs an earlier run left, " +
                        "of this file or any other)."
                    : $"{path}: no jobs, {Count(file.Tasks.Count, "task")} OK; 'schedctl run' schedules none (and removes from its store " +
                        "the jobs an earlier run left, of this file or any other).").ConfigureAwait(false);
            }
            else
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: {Count(file.Jobs.Count, "job")}{(file.Tasks.Count > 0 ? $" and {Count(file.Tasks.Count, "task")}" : "")} OK" +
                    $"{(file.IsSystem ? " (a system crontab)" : "")}")).ConfigureAwait(false);
                var table = new TextTable("LINE>", "JOB", "NEXT RUN", "SCHEDULE"); // the words last: that column is never cut
                for (int i = 0; i < file.Jobs.Count; i++)
                {
                    JobSpec job = file.Jobs[i];
                    table.Add(job.Line.ToString(CultureInfo.InvariantCulture), job.User is null ? job.Name : $"{job.Name} (as {job.User})",
                        NextRun(job, file.NextRuns[i], time), ScheduleWords.Describe(job.Trigger, time));
                }

                table.Write(output);
            }

            if (file.Tasks.Count > 0)
            {
                var tasks = new TextTable("LINE>", "TASK", "TAKES", "DESCRIPTION");
                foreach (TaskShape task in file.Tasks)
                {
                    tasks.Add(TaskLine(task).ToString(CultureInfo.InvariantCulture), task.Name, Takes(task), task.Description ?? "-");
                }

                tasks.Write(output);
            }
        }
        else
        {
            foreach (FileError error in result.Errors)
            {
                await output.WriteLineAsync(error.Format(path)).ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{path}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}")).ConfigureAwait(false);
        }

        return result.File is null ? ExitCodes.InvalidInput : ExitCodes.Success;
    }

    private static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");

    /// <summary>The line a task of a JSON jobs file is declared on.</summary>
    private static int TaskLine(TaskShape task) => task.Node is JsonSchemaNode node ? node.Position.Line : 0;

    /// <summary>What a run of the task may pass it: its arguments, the environment variables its <c>kwargs</c> allow.</summary>
    private static string Takes(TaskShape task) =>
        (task.TakesArgs, task.Kwargs.Count) switch
        {
            (false, 0) => "-",
            (true, 0) => Args(task),
            (false, _) => "kwargs " + string.Join(", ", task.Kwargs),
            _ => Args(task) + ", kwargs " + string.Join(", ", task.Kwargs),
        };

    private static string Args(TaskShape task) => task.ArgsMayBeOptions ? "args (options too)" : "args";

    private static string NextRun(JobSpec job, DateTimeOffset? next, TimeText time) =>
        job.RunsAtStart ? "at start" : next is { } instant ? time.Format(instant) : "-";

    private static void WriteJson(TextWriter output, string path, JobsFileResult result, TimeText time) => JsonOutput.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("file", path);
        writer.WriteString("format", result.Format == JobsFileFormat.Json ? "json" : "crontab");
        writer.WriteBoolean("system", result.File?.IsSystem ?? false);
        writer.WriteBoolean("valid", result.File is not null);
        writer.WriteStartArray("jobs");
        JobsFile? file = result.File;
        for (int i = 0; i < (file?.Jobs.Count ?? 0); i++)
        {
            JobSpec job = file!.Jobs[i];
            writer.WriteStartObject();
            writer.WriteString("name", job.Name);
            writer.WriteNumber("line", job.Line);
            writer.WriteString("trigger", job.Trigger?.ToString() ?? "@reboot");
            writer.WriteString("schedule", ScheduleWords.Describe(job.Trigger, time));
            writer.WriteBoolean("runs_at_start", job.RunsAtStart);
            if (!job.RunsAtStart && file.NextRuns[i] is { } next)
            {
                writer.WriteString("next_run", TimeText.Json(next));
            }
            else
            {
                writer.WriteNull("next_run");
            }

            if (job.User is { } user)
            {
                writer.WriteString("user", user);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("tasks");
        foreach (TaskShape task in file?.Tasks ?? [])
        {
            writer.WriteStartObject();
            writer.WriteString("name", task.Name);
            writer.WriteNumber("line", TaskLine(task));
            if (task.Description is { } description)
            {
                writer.WriteString("description", description);
            }

            writer.WriteStartArray("command");
            foreach (string argument in task.Command)
            {
                writer.WriteStringValue(argument);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("shell", task.Shell);
            writer.WriteBoolean("takes_args", task.TakesArgs);
            writer.WriteBoolean("args_may_be_options", task.ArgsMayBeOptions);
            writer.WriteStartArray("kwargs");
            foreach (string name in task.Kwargs)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteProblems(writer, "errors", result.Errors);
        WriteProblems(writer, "notes", file?.Notes ?? []);
        writer.WriteEndObject();
    });

    private static void WriteProblems(System.Text.Json.Utf8JsonWriter writer, string name, IReadOnlyList<FileError> problems)
    {
        writer.WriteStartArray(name);
        foreach (FileError problem in problems)
        {
            writer.WriteStartObject();
            writer.WriteNumber("line", problem.Line);
            writer.WriteNumber("column", problem.Column);
            writer.WriteString("message", problem.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
