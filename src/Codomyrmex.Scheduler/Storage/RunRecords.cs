using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>Builds run history records and their texts the same way in every store, so a reader sees one history whatever keeps it.</summary>
public static class RunRecords
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds the record of a completed run.</summary>
    /// <param name="completion">The completion being recorded.</param>
    /// <param name="options">The store's history options (they bound the kept result).</param>
    /// <returns>The record to write.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static RunRecord FromCompletion(RunCompletion completion, RunHistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(completion);
        ArgumentNullException.ThrowIfNull(options);
        ClaimedRun run = completion.Run;
        return new RunRecord
        {
            RunId = run.RunId,
            JobId = run.JobId,
            JobName = run.JobName,
            ScheduledTime = run.ScheduledTime,
            StartedAt = completion.StartedAt,
            FinishedAt = completion.FinishedAt,
            Node = run.NodeName,
            InstanceId = run.InstanceId,
            Outcome = completion.Outcome,
            Error = completion.Error,
            Result = completion.Outcome == RunOutcome.Succeeded ? FormatResult(completion.Result, options.MaxResultLength) : null,
            Attempt = run.Attempt,
            IsManual = run.IsManual,
            IsRecovery = run.IsRecovery,
        };
    }

    /// <summary>Builds the record of a run lost with its node, noticed at <paramref name="now"/> by the store's clock.</summary>
    /// <param name="run">The run that was lost.</param>
    /// <param name="now">When the store noticed the loss.</param>
    /// <param name="error">The error to record, usually <see cref="LeaseExpired"/>.</param>
    /// <returns>The record to write: it starts at the claim and ends when the loss was noticed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="run"/> is null.</exception>
    public static RunRecord Interrupted(ClaimedRun run, DateTimeOffset now, string error)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new()
        {
        RunId = run.RunId,
        JobId = run.JobId,
        JobName = run.JobName,
        ScheduledTime = run.ScheduledTime,
        StartedAt = run.ClaimedAt,
        FinishedAt = now < run.ClaimedAt ? run.ClaimedAt : now,
        Node = run.NodeName,
        InstanceId = run.InstanceId,
        Outcome = RunOutcome.Interrupted,
        Error = error,
        Attempt = run.Attempt,
        IsManual = run.IsManual,
        IsRecovery = run.IsRecovery,
        };
    }

    /// <summary>Gets the error recorded for a run whose node stopped renewing its lease.</summary>
    /// <param name="run">The run that was lost.</param>
    /// <param name="leaseUntil">When its lease ended (the last renewal's end, by the store's clock).</param>
    /// <returns>The error text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="run"/> is null.</exception>
    public static string LeaseExpired(ClaimedRun run, DateTimeOffset leaseUntil)
    {
        ArgumentNullException.ThrowIfNull(run);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{nameof(RunOutcome.Interrupted)}: node '{run.NodeName}' ({run.InstanceId}) stopped before the run completed (its lease ran until {leaseUntil:O}).");
    }

    /// <summary>Gets the error recorded for a run that a scheduler's shutdown stopped: it outlived the shutdown timeout.</summary>
    /// <param name="node">The name of the node that shut down.</param>
    /// <returns>The error text.</returns>
    public static string ShutDown(string node) =>
        $"{nameof(RunOutcome.Interrupted)}: interrupted by the shutdown of node '{node}' before the run completed.";

    /// <summary>
    /// Formats a run's result as JSON text, cut to <paramref name="maxLength"/> characters (a cut copy ends with <c>…</c> and is no
    /// longer valid JSON). JSON values and primitives are written as JSON; anything else as a JSON string of its
    /// <see cref="object.ToString"/>, because a history copy must never run user serialization code.
    /// </summary>
    /// <param name="value">The result.</param>
    /// <param name="maxLength">The most characters to keep (<see cref="RunHistoryOptions.MaxResultLength"/>).</param>
    /// <returns>The JSON text, or <see langword="null"/> for a null result or a zero length.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is negative.</exception>
    public static string? FormatResult(object? value, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
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
