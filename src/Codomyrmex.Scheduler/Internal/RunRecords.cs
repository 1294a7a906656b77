using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>Builds history records the same way in every store.</summary>
internal static class RunRecords
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The record of a completed run.</summary>
    public static RunRecord FromCompletion(RunCompletion completion, RunHistoryOptions options)
    {
        ClaimedRun run = completion.Run;
        return new RunRecord
        {
            RunId = run.RunId,
            JobId = run.Job.Id,
            JobName = run.Job.Name,
            ScheduledTime = run.ScheduledTime,
            StartedAt = completion.StartedAt,
            FinishedAt = completion.FinishedAt,
            Node = run.Node,
            Outcome = completion.Outcome,
            Error = completion.Error,
            Result = completion.Outcome == RunOutcome.Succeeded ? FormatResult(completion.Result, options.MaxResultLength) : null,
            Attempt = run.Attempt,
            IsManual = run.IsManual,
            IsRecovery = run.IsRecovery,
        };
    }

    /// <summary>The record of a run lost with its node, noticed at <paramref name="now"/>.</summary>
    public static RunRecord Interrupted(ClaimedRun run, DateTimeOffset now, string error) => new()
    {
        RunId = run.RunId,
        JobId = run.Job.Id,
        JobName = run.Job.Name,
        ScheduledTime = run.ScheduledTime,
        StartedAt = run.ClaimedAt,
        FinishedAt = now < run.ClaimedAt ? run.ClaimedAt : now,
        Node = run.Node,
        Outcome = RunOutcome.Interrupted,
        Error = error,
        Attempt = run.Attempt,
        IsManual = run.IsManual,
        IsRecovery = run.IsRecovery,
    };

    /// <summary>The error recorded for a run whose node stopped renewing its lease.</summary>
    public static string LeaseExpired(ClaimedRun run) =>
        $"{nameof(RunOutcome.Interrupted)}: node '{run.Node}' stopped before the run completed (its lease ran until {run.LeaseUntil:O}).";

    /// <summary>The error recorded for a run that the scheduler's shutdown stopped: it outlived the shutdown timeout.</summary>
    public static string ShutDown(string node) =>
        $"{nameof(RunOutcome.Interrupted)}: interrupted by the shutdown of node '{node}' before the run completed.";

    /// <summary>
    /// A run's result as JSON text, cut to <paramref name="maxLength"/> characters (a cut copy ends with <c>…</c> and is no
    /// longer valid JSON). JSON values and primitives are written as JSON; anything else as a JSON string of its
    /// <see cref="object.ToString"/>, because a history copy must never run user serialization code.
    /// </summary>
    public static string? FormatResult(object? value, int maxLength)
    {
        if (value is null || maxLength == 0)
        {
            return null;
        }

        string json = ToJson(value);
        return json.Length <= maxLength ? json : string.Concat(json.AsSpan(0, Math.Max(0, maxLength - 1)), "…");
    }

    private static string ToJson(object value)
    {
        if (value is JsonNode node)
        {
            return node.ToJsonString();
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            switch (value)
            {
                case JsonElement element:
                    element.WriteTo(writer);
                    break;
                case string text:
                    writer.WriteStringValue(text);
                    break;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    break;
                case int or long or short or byte or sbyte or ushort or uint or ulong:
                    writer.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                    break;
                case double number when double.IsFinite(number):
                    writer.WriteNumberValue(number);
                    break;
                case float number when float.IsFinite(number):
                    writer.WriteNumberValue(number);
                    break;
                case decimal number:
                    writer.WriteNumberValue(number);
                    break;
                case DateTimeOffset instant:
                    writer.WriteStringValue(instant);
                    break;
                case DateTime instant:
                    writer.WriteStringValue(instant);
                    break;
                case Guid guid:
                    writer.WriteStringValue(guid);
                    break;
                case IFormattable formattable:
                    writer.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                    break;
                default:
                    writer.WriteStringValue(value.ToString());
                    break;
            }
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
