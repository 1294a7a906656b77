using System.Buffers;
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

    /// <summary>U+0000 and both halves of a surrogate pair: the characters <see cref="FormatError"/> looks at.</summary>
    private static readonly SearchValues<char> s_nulOrSurrogate = SearchValues.Create(['\0', .. Enumerable.Range(0xD800, 0x800).Select(unit => (char)unit)]);

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
            Error = FormatError(completion.Error),
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
    /// Formats a run's error as every store records it: the text as given, but for each U+0000 and each half of a surrogate pair
    /// without its other half, which are replaced by U+FFFD (the replacement character).
    /// </summary>
    /// <remarks>
    /// Not every store can keep those characters as they are: PostgreSQL's text holds no U+0000 (the server refuses the whole
    /// row, on every encoding), and half a surrogate pair has no UTF-8 form (Npgsql refuses to send it; SQLite's text reads it
    /// back as U+FFFD). An error read from a file or from a process's output may hold either: replaced the same way before any
    /// store writes it, the run is recorded, and every store reads back the same text.
    /// </remarks>
    /// <param name="error">The error, as <see cref="RunCompletion.Error"/> gives it.</param>
    /// <returns>The error to record (equal to <paramref name="error"/> when it holds neither), or <see langword="null"/> for none.</returns>
    public static string? FormatError(string? error)
    {
        int first = error is null ? -1 : error.AsSpan().IndexOfAny(s_nulOrSurrogate);
        if (first < 0)
        {
            return error;
        }

        return string.Create(error!.Length, (error, first), static (chars, state) =>
        {
            state.error.AsSpan().CopyTo(chars);
            for (int i = state.first; i < chars.Length; i++)
            {
                if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    i++;
                }
                else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
                {
                    chars[i] = '\uFFFD';
                }
            }
        });
    }

    /// <summary>
    /// Formats a run's result as JSON text, cut to <paramref name="maxLength"/> characters (a cut copy ends with <c>…</c> and is no
    /// longer valid JSON). JSON values and primitives are written as JSON; anything else as a JSON string of its
    /// <see cref="object.ToString"/>, because a history copy must never run user serialization code. Half a surrogate pair in
    /// a string is written as U+FFFD (<c>\uFFFD</c>), as <see cref="FormatError"/> writes it in an error, whether the string
    /// holds it or, in a <see cref="JsonElement"/> or a <see cref="JsonNode"/> parsed from JSON, escapes it (<c>\uD800</c>): no
    /// JSON reader of .NET would read it back.
    /// U+0000 is written as its escape <c>\u0000</c> and reads back as itself.
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

        string json;
        try
        {
            json = ToJson(value);
        }
        catch (InvalidOperationException) when (value is JsonElement element)
        {
            // A string of the element escapes half a surrogate pair, which the writer refuses to unescape.
            using JsonDocument repaired = JsonDocument.Parse(ReplaceLoneSurrogateEscapes(element.GetRawText()));
            json = ToJson(repaired.RootElement);
        }
        catch (InvalidOperationException) when (value is JsonNode node)
        {
            // A node parsed from JSON keeps its values as elements: the same escapes, one value at a time.
            json = ToJson(Repaired(node)!);
        }

        return json.Length <= maxLength ? json : string.Concat(json.AsSpan(0, Math.Max(0, maxLength - 1)), "…");
    }

    /// <summary>A copy of a node whose element-backed values escape half a surrogate pair as U+FFFD instead.</summary>
    private static JsonNode? Repaired(JsonNode? node) => node switch
    {
        JsonObject properties => new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, Repaired(p.Value)))),
        JsonArray items => new JsonArray([.. items.Select(Repaired)]),
        JsonValue leaf when leaf.TryGetValue(out JsonElement element) => JsonNode.Parse(ReplaceLoneSurrogateEscapes(element.GetRawText())),
        _ => node?.DeepClone(),
    };

    private static string ToJson(object value)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            switch (value)
            {
                case JsonElement element:
                    element.WriteTo(writer);
                    break;
                case JsonNode node:
                    node.WriteTo(writer);
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

    /// <summary>
    /// The JSON text <paramref name="json"/> (a parsed document's, so every backslash starts a whole escape) with each escape of
    /// half a surrogate pair that has no other half (<c>\uD800</c> not followed by an escaped low half) written <c>\uFFFD</c>.
    /// </summary>
    private static string ReplaceLoneSurrogateEscapes(string json)
    {
        var repaired = new StringBuilder(json.Length);
        bool lowHalfDue = false;
        for (int i = 0; i < json.Length; i++)
        {
            if (json[i] != '\\' || json[i + 1] != 'u')
            {
                int length = json[i] == '\\' ? 2 : 1;
                repaired.Append(json, i, length);
                i += length - 1;
                lowHalfDue = false;
                continue;
            }

            char unit = EscapedUnit(json, i);
            bool lone = char.IsHighSurrogate(unit) ? !char.IsLowSurrogate(EscapedUnit(json, i + 6)) : char.IsLowSurrogate(unit) && !lowHalfDue;
            lowHalfDue = char.IsHighSurrogate(unit) && !lone;
            if (lone)
            {
                repaired.Append("\\uFFFD");
            }
            else
            {
                repaired.Append(json, i, 6);
            }

            i += 5;
        }

        return repaired.ToString();
    }

    /// <summary>The UTF-16 unit a <c>\uXXXX</c> escape at <paramref name="index"/> stands for, or U+0000 if none starts there.</summary>
    private static char EscapedUnit(string json, int index) =>
        index + 6 <= json.Length && json[index] == '\\' && json[index + 1] == 'u'
            && ushort.TryParse(json.AsSpan(index + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort unit)
            ? (char)unit
            : '\0';
}
