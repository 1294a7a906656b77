using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Commands;
using Codomyrmex.Scheduler.Cli.Output;
using Codomyrmex.Scheduler.Shared;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>Writes one line per run to stdout: for people (<c>human</c>) or for log collectors (<c>json</c>, one object per line).</summary>
internal sealed class RunLog
{
    private readonly TextWriter _output;
    private readonly bool _json;
    private readonly TimeText _times;
    private readonly int _nameWidth;
    private readonly bool _colour;
    private readonly Lock _lock = new();

    /// <summary>How many runs of each job (by id) this process is running now, to tell an overlap here from one with a run elsewhere.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _running = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates a log; human lines pad job names to <paramref name="nameWidth"/> (at most 24) so that columns line up, and
    /// colour their outcome word when <paramref name="colour"/> is set.
    /// </summary>
    public RunLog(TextWriter output, bool json, TimeText times, int nameWidth = 0, bool colour = false)
    {
        _output = output;
        _json = json;
        _times = times;
        _nameWidth = Math.Min(nameWidth, 24);
        _colour = colour && !json;
    }

    /// <summary>Logs every run of the scheduler as it ends, and every occurrence its policies skip.</summary>
    public void Attach(Scheduler scheduler)
    {
        scheduler.JobSucceeded += (_, e) => Write(e, "ok");
        scheduler.JobFailed += (_, e) => Write(e, e.Outcome == RunOutcome.Interrupted ? "interrupted" : "failed");
        scheduler.JobRetrying += (_, e) => Write(e, "retrying");
        scheduler.JobSkipped += (_, e) => Write(e, "skipped");
    }

    private void Write(in JobEvent e, string outcome)
    {
        int? exitCode = e.Result is JsonObject result && result["exit_code"] is JsonValue code ? code.GetValue<int>()
            : e.Exception is CommandFailedException failed ? failed.ExitCode
            : null;
        string? stdout = (e.Result as JsonObject)?["stdout"]?.GetValue<string>();
        string? stderr = (e.Result as JsonObject)?["stderr"]?.GetValue<string>();
        WriteLine(_json ? Json(e, outcome, exitCode, stdout, stderr) : Human(e, outcome, exitCode, stdout));
    }

    /// <summary>Notes that this process started running a command of the job.</summary>
    public void RunStarted(JobContext context) => _running.AddOrUpdate(context.JobId, 1, (_, count) => count + 1);

    /// <summary>Notes that a command this process ran has ended.</summary>
    public void RunEnded(JobContext context) => _running.AddOrUpdate(context.JobId, 0, (_, count) => Math.Max(0, count - 1));

    /// <summary>A run stopped because its job was cancelled from elsewhere (<c>schedctl jobs cancel</c> in another shell).</summary>
    public void Cancelled(JobContext context, DateTimeOffset now)
    {
        const string Detail = "the job was cancelled (schedctl jobs cancel); its command was stopped";
        if (_json)
        {
            WriteLine(new JsonObject
            {
                ["time"] = TimeText.Json(now),
                ["job"] = context.JobName,
                ["job_id"] = context.JobId,
                ["scheduled"] = TimeText.Json(context.ScheduledTime),
                ["outcome"] = "cancelled",
                ["attempt"] = context.Attempt,
                ["duration_ms"] = Math.Round((now - context.FireTime).TotalMilliseconds, 3),
                ["error"] = Detail,
            }.ToJsonString(s_options));
            return;
        }

        WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{_times.FormatPrecise(now)} {OutcomeWord("cancelled")} {TextTable.Printable(context.JobName).PadRight(_nameWidth)}  {(now - context.FireTime).TotalSeconds:0.000}s  {Detail}"));
    }

    /// <summary>
    /// A line about schedctl itself (started, stopping, stopped): to stderr for people, or with <c>--log-format json</c> as a
    /// JSON object on stdout like every other line, with <c>event</c> naming it. For people, control characters in
    /// <paramref name="text"/> (from job names) print as spaces.
    /// </summary>
    public void Notice(TextWriter error, DateTimeOffset now, string name, string text, JsonObject? fields = null)
    {
        if (!_json)
        {
            lock (_lock)
            {
                error.WriteLine(TextTable.Printable(text));
                error.Flush();
            }

            return;
        }

        var line = new JsonObject { ["time"] = TimeText.Json(now), ["event"] = name, ["message"] = text };
        foreach ((string key, JsonNode? value) in fields ?? [])
        {
            line[key] = value?.DeepClone();
        }

        WriteLine(line.ToJsonString(s_options));
    }

    private void WriteLine(string line)
    {
        lock (_lock)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    /// <summary>The outcome word, padded so that the job names line up, in colour on a terminal.</summary>
    private string OutcomeWord(string outcome) => _colour ? Colour.Outcome(outcome, outcome.PadRight(11)) : outcome.PadRight(11);

    /// <summary>What went wrong, in words: the exception's message, never its .NET type name.</summary>
    private static string? Problem(in JobEvent e) =>
        e.Outcome == RunOutcome.Interrupted ? ErrorText.Message(e.Error) : e.Exception?.Message ?? ErrorText.Message(e.Error);

    private string Human(in JobEvent e, string outcome, int? exitCode, string? stdout)
    {
        var text = new System.Text.StringBuilder();
        text.Append(_times.FormatPrecise(e.Time)).Append(' ')
            .Append(OutcomeWord(outcome)).Append(' ').Append(TextTable.Printable(e.JobName).PadRight(_nameWidth));
        if (exitCode is { } code)
        {
            text.Append(CultureInfo.InvariantCulture, $"  exit {code}");
        }

        if (e.Duration is { } duration)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {duration.TotalSeconds:0.000}s");
        }

        if (e.Attempt > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"  attempt {e.Attempt}");
        }

        if (e.SkipReason is { } reason)
        {
            // An overlap with no run of the job held here is with a run this process cannot see: a `schedctl jobs run` in
            // another shell, or a run the store still counts from a schedctl that ended abruptly, until it is recovered.
            // Which of the two is not known here, so the line names both rather than "still running".
            text.Append("  due ").Append(_times.Format(e.ScheduledTime)).Append(reason == SkipReason.Misfire
                ? ": later than the misfire grace (misfire)"
                : e.OverlapsRunHere || _running.GetValueOrDefault(e.JobId) > 0
                    ? ": the previous run is still running (overlap)"
                    : ": a run elsewhere is in progress: schedctl jobs run, or a schedctl that ended abruptly and is not yet recovered (overlap)");
        }

        if (e.RetryAt is { } retryAt)
        {
            text.Append(e.Outcome == RunOutcome.Interrupted ? "  runs again at the next start" : "  next attempt at " + _times.FormatPrecise(retryAt));
        }

        // A job's name (a crontab command line) and its output may hold control characters: an escape sequence or a bell
        // would reach the terminal that reads this log, so they print as spaces (the JSON log keeps them, escaped).
        string? detail = Problem(e) ?? LastLine(stdout);
        if (!string.IsNullOrEmpty(detail))
        {
            detail = TextTable.Printable(detail);
            text.Append("  ").Append(detail.Length > 200 ? detail[..200] + "…" : detail);
        }

        return text.ToString();
    }

    private static string Json(in JobEvent e, string outcome, int? exitCode, string? stdout, string? stderr)
    {
        var line = new JsonObject
        {
            ["time"] = TimeText.Json(e.Time),
            ["job"] = e.JobName,
            ["job_id"] = e.JobId,
            ["scheduled"] = TimeText.Json(e.ScheduledTime),
            ["outcome"] = outcome,
            ["attempt"] = e.Attempt,
        };
        if (exitCode is { } code)
        {
            line["exit_code"] = code;
        }

        if (e.Duration is { } duration)
        {
            line["duration_ms"] = Math.Round(duration.TotalMilliseconds, 3);
        }

        if (e.RetryAt is { } retryAt)
        {
            line["retry_at"] = TimeText.Json(retryAt);
        }

        if (e.SkipReason is { } reason)
        {
            line["skip_reason"] = reason == SkipReason.Overlap ? "overlap" : "misfire";
        }

        if (Problem(e) is { } error)
        {
            line["error"] = error;
        }

        if (stdout is { Length: > 0 })
        {
            line["stdout"] = stdout;
        }

        if (stderr is { Length: > 0 })
        {
            line["stderr"] = stderr;
        }

        return line.ToJsonString(s_options);
    }

    private static readonly JsonSerializerOptions s_options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string? LastLine(string? text) =>
        text?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
