using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Output;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Shared;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// How <c>schedctl jobs</c> shows jobs and runs: for terminals, times as <see cref="TimeText"/> says (local with their offset, or
/// UTC with <c>--utc</c>); for scripts (<c>--json</c>), snake_case fields and ISO 8601 times in UTC (<c>…Z</c>) whatever
/// <c>--utc</c> says, so a script reads the same instants the same way on every machine.
/// </summary>
internal static class JobFormat
{
    /// <summary>The longest detail (error or output line) a history table shows.</summary>
    public const int MaxDetail = 80;

    public static string Status(JobStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>A job as messages name it: <c>'nightly' (3x7kq2m9d1fza)</c>, its name safe for a terminal.</summary>
    public static string Named(Job job) => $"'{TextTable.Printable(job.Name)}' ({job.Id})";

    /// <summary>A job's status for people: its status, and whether it is paused (a paused job keeps its status).</summary>
    public static string Status(Job job) => Status(job.Status) + (job.IsPaused ? " (paused)" : "");


    public static string Outcome(RunOutcome outcome) => outcome.ToString().ToLowerInvariant();

    /// <summary>A time for people, to the second, with its zone.</summary>
    public static string? Time(DateTimeOffset? instant, TimeText time) => instant is { } t ? time.Format(t) : null;

    /// <summary>A run's duration: milliseconds as <c>0.012s</c> below a minute, else whole units such as <c>2m5s</c>.</summary>
    public static string Duration(TimeSpan duration) =>
        duration < TimeSpan.FromMinutes(1)
            ? duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + "s"
            : DurationText.Format(TimeSpan.FromSeconds(Math.Round(duration.TotalSeconds)));

    /// <summary>The schedule as a jobs file writes it: cron text (and its zone), <c>@every 30s</c>, or a one-time run.</summary>
    public static string Schedule(Trigger? trigger, TimeText time) => trigger switch
    {
        CronTrigger cron => cron.TimeZone is { } zone ? $"{cron.Expression} ({zone.Id})" : cron.Expression.ToString(),
        IntervalTrigger interval => "@every " + DurationText.Format(interval.Interval),
        OnceTrigger once => "once at " + time.Format(once.RunAt),
        _ => "once, at once",
    };

    /// <summary>The command a job runs, as a person would type it; or the task name for jobs that are not commands.</summary>
    public static string Command(Job job)
    {
        string[] argv = [.. job.Args.Select(a => a is JsonValue v && v.TryGetValue(out string? s) ? s : a?.ToString() ?? "null")];
        bool shell = job.Kwargs.TryGetValue("shell", out object? flag) && flag is JsonValue value && value.TryGetValue(out bool isShell) && isShell;
        if (job.Task != Running.CommandRunner.TaskName)
        {
            return $"task {job.Task ?? "(a delegate)"}";
        }

        return shell ? string.Join(' ', argv) : string.Join(' ', argv.Select(Quote));

        static string Quote(string arg) =>
            arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or '$' or '`') ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>What a history table shows of a run: its error, or else the first line of its output.</summary>
    public static string? Detail(RunRecord run)
    {
        string? detail = ErrorText.Message(run.Error);
        if (detail is null && run.Result is { } result)
        {
            detail = FirstOutputLine(result);
        }

        if (detail is null)
        {
            return null;
        }

        detail = detail.ReplaceLineEndings(" ");
        return detail.Length > MaxDetail ? detail[..(MaxDetail - 1)] + "…" : detail;
    }

    /// <summary>The first non-blank line of a command's stdout (else stderr) in a run's result; the result text itself if it is not a command's.</summary>
    private static string? FirstOutputLine(string result)
    {
        try
        {
            if (JsonNode.Parse(result) is JsonObject command && (command["stdout"] ?? command["stderr"]) is not null)
            {
                string text = $"{command["stdout"]?.GetValue<string>()}\n{command["stderr"]?.GetValue<string>()}";
                return text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            }
        }
        catch (JsonException)
        {
            // Cut to the history's bound, so not JSON any more: shown as it is.
        }

        return result;
    }

    /// <summary>The marks of a run that was not an ordinary scheduled one.</summary>
    public static string? Marks(RunRecord run) => (run.IsManual, run.IsRecovery) switch
    {
        (true, true) => "manual,recovery",
        (true, false) => "manual",
        (false, true) => "recovery",
        _ => null,
    };

    /// <summary>The table of runs that <c>history</c> and <c>show</c> print.</summary>
    public static void WriteRuns(TextWriter output, IEnumerable<RunRecord> runs, TimeText time)
    {
        var table = new TextTable("SCHEDULED", "STARTED", "DURATION>", "NODE", "OUTCOME", "ATTEMPT>", "MARK", "DETAIL");
        foreach (RunRecord run in runs)
        {
            table.Add(time.Format(run.ScheduledTime), time.Format(run.StartedAt), Duration(run.Duration), run.Node, Outcome(run.Outcome),
                run.Attempt.ToString(CultureInfo.InvariantCulture), Marks(run) ?? "", Detail(run) ?? "");
        }

        table.Write(output);
    }

    /// <summary>An instant in the JSON output: ISO 8601 in UTC.</summary>
    public static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? instant)
    {
        if (instant is { } t)
        {
            writer.WriteString(name, TimeText.Json(t));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>The fields every JSON job has (<c>jobs list --json</c>); <c>show</c> adds more.</summary>
    public static void WriteJobFields(Utf8JsonWriter writer, Job job)
    {
        writer.WriteString("job_id", job.Id);
        writer.WriteString("name", job.Name);
        writer.WriteString("status", Status(job.Status));
        writer.WriteBoolean("paused", job.IsPaused);
        writer.WritePropertyName("trigger");
        if (job.Trigger is { } trigger)
        {
            trigger.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        WriteTime(writer, "next_run", job.NextRun);
        WriteTime(writer, "last_run", job.LastRun);
        WriteTime(writer, "finished_at", job.FinishedAt);
        writer.WriteNumber("run_count", job.RunCount);
        writer.WriteNumber("failure_count", job.FailureCount);
        if (job.MaxRuns is { } maxRuns)
        {
            writer.WriteNumber("max_runs", maxRuns);
        }
        else
        {
            writer.WriteNull("max_runs");
        }

        writer.WriteString("error", ErrorText.Message(job.Error));
    }

    /// <summary>Runs of the history as a JSON array property, newest first.</summary>
    public static void WriteRuns(Utf8JsonWriter writer, string name, IEnumerable<RunRecord> runs)
    {
        writer.WriteStartArray(name);
        foreach (RunRecord run in runs)
        {
            WriteRun(writer, run);
        }

        writer.WriteEndArray();
    }

    /// <summary>One run of the history as a JSON object; its result is JSON when it is (a command's exit code and output).</summary>
    private static void WriteRun(Utf8JsonWriter writer, RunRecord run)
    {
        writer.WriteStartObject();
        writer.WriteString("run_id", run.RunId);
        writer.WriteString("job_id", run.JobId);
        writer.WriteString("job_name", run.JobName);
        WriteTime(writer, "scheduled", run.ScheduledTime);
        WriteTime(writer, "started", run.StartedAt);
        WriteTime(writer, "finished", run.FinishedAt);
        writer.WriteNumber("duration_ms", Math.Round(run.Duration.TotalMilliseconds, 3));
        writer.WriteString("node", run.Node);
        writer.WriteString("outcome", Outcome(run.Outcome));
        writer.WriteNumber("attempt", run.Attempt);
        writer.WriteBoolean("manual", run.IsManual);
        writer.WriteBoolean("recovery", run.IsRecovery);
        writer.WriteString("error", ErrorText.Message(run.Error));
        writer.WritePropertyName("result");
        WriteResult(writer, run.Result);
        writer.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter writer, string? result)
    {
        if (result is null)
        {
            writer.WriteNullValue();
            return;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(result);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(result); // cut to the history's bound: kept as text.
        }
    }

    /// <summary>A job argument (a JSON node for jobs in a durable store) as JSON.</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonNode node:
                node.WriteTo(writer);
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
