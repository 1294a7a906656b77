using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Output;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>Writes one line per run to stdout: for people (<c>human</c>) or for log collectors (<c>json</c>, one object per line).</summary>
internal sealed class RunLog
{
    private readonly TextWriter _output;
    private readonly bool _json;
    private readonly int _nameWidth;
    private readonly Lock _lock = new();

    /// <summary>Creates a log; human lines pad job names to <paramref name="nameWidth"/> (at most 24) so that columns line up.</summary>
    public RunLog(TextWriter output, bool json, int nameWidth = 0)
    {
        _output = output;
        _json = json;
        _nameWidth = Math.Min(nameWidth, 24);
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
        string line = _json ? Json(e, outcome, exitCode, stdout, stderr) : Human(e, outcome, exitCode, stdout, _nameWidth);
        lock (_lock)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    private static string Human(in JobEvent e, string outcome, int? exitCode, string? stdout, int nameWidth)
    {
        var text = new System.Text.StringBuilder();
        text.Append(e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(outcome.PadRight(11)).Append(' ').Append(e.JobName.PadRight(nameWidth));
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
            text.Append(CultureInfo.InvariantCulture, $"  {(reason == SkipReason.Overlap ? "still running" : "misfired")} (due {e.ScheduledTime.UtcDateTime:HH:mm:ss})");
        }

        if (e.RetryAt is { } retryAt)
        {
            text.Append(CultureInfo.InvariantCulture, $"  next attempt at {retryAt.UtcDateTime:HH:mm:ss.fff}");
        }

        string? detail = ErrorText.Message(e.Error) ?? LastLine(stdout);
        if (!string.IsNullOrEmpty(detail))
        {
            text.Append("  ").Append(detail.Length > 200 ? detail[..200] + "…" : detail);
        }

        return text.ToString();
    }

    private static string Json(in JobEvent e, string outcome, int? exitCode, string? stdout, string? stderr)
    {
        var line = new JsonObject
        {
            ["time"] = e.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["job"] = e.JobName,
            ["job_id"] = e.JobId,
            ["scheduled"] = e.ScheduledTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
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
            line["retry_at"] = retryAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }

        if (e.SkipReason is { } reason)
        {
            line["skip_reason"] = reason == SkipReason.Overlap ? "overlap" : "misfire";
        }

        if (e.Error is { } error)
        {
            line["error"] = ErrorText.Message(error);
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
