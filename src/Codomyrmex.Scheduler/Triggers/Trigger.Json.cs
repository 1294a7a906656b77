using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Codomyrmex.Scheduler;

/// <content>The JSON form of a trigger, for stores, jobs files and the MCP tools.</content>
public abstract partial class Trigger
{
    // The text is data for a store or a file, never embedded in HTML, so '+' in offsets and zone ids (Etc/GMT+5) and
    // non-ASCII characters are written as they are instead of as \u escapes.
    private static readonly JsonWriterOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>UTF-8 that throws on a lone surrogate instead of writing U+FFFD in its place, which would change the text.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Returns the trigger as a JSON object, such as <c>{"type":"cron","expression":"0 9 * * 1-5","time_zone":"Europe/Berlin"}</c>.</summary>
    /// <returns>The compact JSON text, which <see cref="FromJson(string)"/> reads back to an equivalent trigger.</returns>
    /// <exception cref="NotSupportedException">A cron trigger's zone is not a system time zone, so it cannot be read back.</exception>
    /// <remarks><inheritdoc cref="WriteTo" path="/remarks"/></remarks>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, TextOptions))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the trigger as a JSON object.</summary>
    /// <param name="writer">The writer, positioned where a value may be written.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    /// <exception cref="NotSupportedException">A cron trigger's zone is not a system time zone, so it cannot be read back.</exception>
    /// <remarks>
    /// <para>The shapes are the ones the MCP tools use, with snake_case names:</para>
    /// <list type="bullet">
    /// <item><c>{"type":"once","run_at":"2026-01-01T09:00:00+01:00"}</c></item>
    /// <item>
    /// <c>{"type":"interval","seconds":30,"minutes":1,"hours":2,"days":1,"start_time":"…","end_time":"…"}</c>: the interval
    /// split into days, hours, minutes and seconds, zero parts left out; <c>seconds</c> has a fraction when the interval is
    /// not a whole number of seconds. <c>start_time</c> and <c>end_time</c> are left out when the trigger has none.
    /// </item>
    /// <item>
    /// <c>{"type":"cron","expression":"0 9 * * 1-5","time_zone":"Europe/Berlin"}</c>: the expression's canonical text
    /// (see <see cref="CronExpression.ToString"/>), which has six fields exactly when the expression has a seconds field;
    /// <c>time_zone</c> is an IANA id (a Windows id is converted), left out when the trigger has no zone of its own.
    /// </item>
    /// </list>
    /// <para>
    /// Instants are ISO 8601 with their UTC offset and as many fractional digits as they need, so every value, including the
    /// anchor a scheduler gives an interval trigger and the zone it gives a cron trigger, survives the round trip exactly.
    /// </para>
    /// </remarks>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        TriggerJson.Write(this, writer);
    }

    /// <summary>Reads a trigger from JSON text in the shape <see cref="ToJson"/> writes.</summary>
    /// <param name="json">The JSON text of one object.</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="FormatException">
    /// The text is not JSON (the message gives the position), holds a lone surrogate (raw, or escaped as <c>\ud800</c>), or
    /// is not a valid trigger: the message names the field and the bad value.
    /// </exception>
    /// <remarks><inheritdoc cref="FromJson(JsonElement)" path="/remarks"/></remarks>
    public static Trigger FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException error)
        {
            throw new FormatException(
                $"Trigger JSON is not valid text: it holds a lone surrogate (\\u{(int)error.CharUnknown:x4}) at index {error.Index}.", error);
        }

        return FromJson(utf8);
    }

    /// <summary>Reads a trigger from UTF-8 JSON text in the shape <see cref="ToJson"/> writes.</summary>
    /// <param name="utf8Json">The UTF-8 bytes of one JSON object (a byte order mark is allowed).</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="FormatException">
    /// The bytes are not JSON (the message gives the position), or not a valid trigger: the message names the field and the
    /// bad value. Bytes that are not valid UTF-8, and escaped lone surrogates such as <c>\ud800</c>, are refused the same way.
    /// </exception>
    /// <remarks><inheritdoc cref="FromJson(JsonElement)" path="/remarks"/></remarks>
    public static Trigger FromJson(ReadOnlySpan<byte> utf8Json)
    {
        // Parse takes memory, not a span: copy. A trigger is a few hundred bytes.
        ReadOnlyMemory<byte> bytes = utf8Json.StartsWith(Utf8Bom) ? utf8Json[Utf8Bom.Length..].ToArray() : utf8Json.ToArray();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException error)
        {
            throw new FormatException($"Trigger JSON is not valid JSON: {error.Message}", error);
        }

        using (document)
        {
            return TriggerJson.Read(document.RootElement);
        }
    }

    /// <summary>Reads a trigger from a JSON object in the shape <see cref="ToJson"/> writes.</summary>
    /// <param name="element">The object.</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="FormatException">
    /// The element is not a valid trigger, or a name or string in it is not valid text (invalid UTF-8, a lone surrogate);
    /// the message names the field and the bad value.
    /// </exception>
    /// <remarks>
    /// <para>
    /// Reading is strict, so that a typo never silently changes a schedule: a field the type does not have is an error, and
    /// so is a field given twice. A field whose value is <c>null</c> counts as absent.
    /// </para>
    /// <para>
    /// An interval may be given in any of <c>seconds</c>, <c>minutes</c>, <c>hours</c> and <c>days</c>, with fractions; the
    /// parts must not be negative and must add up to a positive interval (rounded to the tick). Instants must carry a UTC
    /// offset (<c>Z</c> or <c>±hh:mm</c>), because a bare local time would depend on the machine that reads it. A cron
    /// expression with six fields has a leading seconds field (as <see cref="Triggers.Parse"/> decides); a
    /// <c>time_zone</c> is an IANA or Windows id.
    /// </para>
    /// </remarks>
    public static Trigger FromJson(JsonElement element) => TriggerJson.Read(element);
}
