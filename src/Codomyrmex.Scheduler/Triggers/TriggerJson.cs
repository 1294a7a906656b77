using System.Globalization;
using System.Text.Json;

namespace Codomyrmex.Scheduler;

/// <summary>Writes and reads the JSON form of triggers; see <see cref="Trigger.WriteTo"/> for the shapes.</summary>
/// <remarks>
/// Written with <see cref="Utf8JsonWriter"/> and read from <see cref="JsonElement"/> directly: no reflection, so the
/// library stays trimmable and AOT-compatible.
/// </remarks>
internal static class TriggerJson
{
    private const string Prefix = "Trigger JSON: ";
    private const int MaxEcho = 60;

    private static readonly string[] OnceFields = ["type", "run_at"];
    private static readonly string[] IntervalFields = ["type", "seconds", "minutes", "hours", "days", "start_time", "end_time"];
    private static readonly string[] CronFields = ["type", "expression", "time_zone"];

    /// <summary>The interval parts with their length in ticks, in the order they are written.</summary>
    private static readonly (string Name, long Ticks)[] IntervalParts =
    [
        ("seconds", TimeSpan.TicksPerSecond),
        ("minutes", TimeSpan.TicksPerMinute),
        ("hours", TimeSpan.TicksPerHour),
        ("days", TimeSpan.TicksPerDay),
    ];

    public static void Write(Trigger trigger, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        switch (trigger)
        {
            case OnceTrigger once:
                writer.WriteString("type", "once");
                writer.WriteString("run_at", once.RunAt);
                break;
            case IntervalTrigger interval:
                writer.WriteString("type", "interval");
                WriteInterval(writer, interval.Interval);
                if (interval.StartTime is { } start)
                {
                    writer.WriteString("start_time", start);
                }

                if (interval.EndTime is { } end)
                {
                    writer.WriteString("end_time", end);
                }

                break;
            case CronTrigger cron:
                writer.WriteString("type", "cron");
                writer.WriteString("expression", cron.Expression.ToString());
                if (cron.TimeZone is { } zone)
                {
                    writer.WriteString("time_zone", ZoneId(zone));
                }

                break;
            default:
                // Trigger's constructor is private protected: the three kinds above are all there are.
                throw new InvalidOperationException($"Unknown trigger kind {trigger.GetType()}.");
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes the interval as its seconds, minutes, hours and days, leaving out the zero parts.</summary>
    private static void WriteInterval(Utf8JsonWriter writer, TimeSpan interval)
    {
        long ticks = interval.Ticks;
        long seconds = ticks % TimeSpan.TicksPerMinute;
        if (seconds % TimeSpan.TicksPerSecond != 0)
        {
            // A sub-second interval keeps its ticks as a fraction: 30.5 or 0.0000001.
            writer.WriteNumber("seconds", seconds / (decimal)TimeSpan.TicksPerSecond);
        }
        else if (seconds != 0)
        {
            writer.WriteNumber("seconds", seconds / TimeSpan.TicksPerSecond);
        }

        WritePart(writer, "minutes", ticks % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute);
        WritePart(writer, "hours", ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerHour);
        WritePart(writer, "days", ticks / TimeSpan.TicksPerDay);

        static void WritePart(Utf8JsonWriter writer, string name, long value)
        {
            if (value != 0)
            {
                writer.WriteNumber(name, value);
            }
        }
    }

    public static Trigger Read(JsonElement element)
    {
        try
        {
            return ReadTrigger(element);
        }
        catch (InvalidOperationException error)
        {
            // System.Text.Json throws this when it turns text that is not valid UTF-8, or holds a lone surrogate (raw or
            // escaped as \ud800), into a .NET string. The fields read below name themselves; this covers any other place.
            throw new FormatException(Prefix + "a name or value is not valid text (invalid UTF-8 or a lone surrogate).", error);
        }
    }

    private static Trigger ReadTrigger(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error($"a trigger must be an object such as {{\"type\":\"interval\",\"minutes\":5}}, not {Show(element)}.");
        }

        foreach (JsonProperty property in element.EnumerateObject())
        {
            try
            {
                _ = property.Name;
            }
            catch (InvalidOperationException)
            {
                throw Error($"the name of a field, {Show(property.Value)}, is not valid text: it holds invalid UTF-8 or a lone surrogate (such as \\ud800).");
            }
        }

        if (!element.TryGetProperty("type", out JsonElement type) || type.ValueKind == JsonValueKind.Null)
        {
            throw Error("\"type\" is missing; expected once, interval or cron.");
        }

        if (type.ValueKind != JsonValueKind.String)
        {
            throw Error($"\"type\" must be a string, not {Show(type)}.");
        }

        return Text(type, "type") switch
        {
            "once" => ReadOnce(element),
            "interval" => ReadInterval(element),
            "cron" => ReadCron(element),
            _ => throw Error($"unknown type {Show(type)}; expected once, interval or cron."),
        };
    }

    private static OnceTrigger ReadOnce(JsonElement element)
    {
        CheckFields(element, "once", OnceFields);
        DateTimeOffset runAt = ReadInstant(element, "run_at") ?? throw Error("\"run_at\" is missing from a once trigger.");
        return new OnceTrigger(runAt);
    }

    private static IntervalTrigger ReadInterval(JsonElement element)
    {
        CheckFields(element, "interval", IntervalFields);
        decimal ticks = 0;
        foreach ((string name, long unit) in IntervalParts)
        {
            if (!TryGetValue(element, name, out JsonElement value))
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.Number)
            {
                throw Error($"\"{name}\" must be a number, not {Show(value)}.");
            }

            if (!value.TryGetDecimal(out decimal amount) || amount > TimeSpan.MaxValue.Ticks / unit)
            {
                throw Error($"\"{name}\" is {Show(value)}, which makes the interval longer than the longest TimeSpan.");
            }

            if (amount < 0)
            {
                throw Error($"\"{name}\" must not be negative, not {Show(value)}.");
            }

            ticks += amount * unit;
        }

        ticks = Math.Round(ticks, MidpointRounding.AwayFromZero);
        if (ticks <= 0)
        {
            throw Error("the interval must be positive, but seconds, minutes, hours and days add up to 0.");
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            throw Error("the interval is longer than the longest TimeSpan.");
        }

        DateTimeOffset? start = ReadInstant(element, "start_time");
        DateTimeOffset? end = ReadInstant(element, "end_time");
        if (start is { } from && end is { } to && to < from)
        {
            throw Error($"\"end_time\" {Format(to)} is before \"start_time\" {Format(from)}.");
        }

        return new IntervalTrigger(TimeSpan.FromTicks((long)ticks), start, end);
    }

    private static CronTrigger ReadCron(JsonElement element)
    {
        CheckFields(element, "cron", CronFields);
        string text = ReadString(element, "expression") ?? throw Error("\"expression\" is missing from a cron trigger.");
        CronExpression expression;
        try
        {
            expression = Triggers.ParseCronExpression(text);
        }
        catch (FormatException error)
        {
            throw new FormatException($"{Prefix}\"expression\" is invalid. {error.Message}", error);
        }

        TimeZoneInfo? zone = null;
        if (ReadString(element, "time_zone") is { } zoneId && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out zone))
        {
            throw Error($"\"time_zone\" is the unknown time zone \"{zoneId}\"; use an IANA id such as \"Europe/Berlin\".");
        }

        return new CronTrigger(expression, zone);
    }

    /// <summary>Rejects fields the trigger type does not have, and fields given twice.</summary>
    private static void CheckFields(JsonElement element, string type, string[] allowed)
    {
        int seen = 0;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string name = property.Name;
            int index = Array.IndexOf(allowed, name);
            if (index < 0)
            {
                throw Error(
                    $"unknown field \"{name}\" in {Article(type)} {type} trigger; expected {string.Join(", ", allowed.Skip(1))}.");
            }

            if ((seen & (1 << index)) != 0)
            {
                throw Error($"\"{name}\" is given more than once.");
            }

            seen |= 1 << index;
        }
    }

    private static bool TryGetValue(JsonElement element, string name, out JsonElement value) =>
        element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static string? ReadString(JsonElement element, string name)
    {
        if (!TryGetValue(element, name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? Text(value, name) : throw Error($"\"{name}\" must be a string, not {Show(value)}.");
    }

    /// <summary>A string value as .NET text; text that has no such form (invalid UTF-8, a lone surrogate) is an error naming the field.</summary>
    private static string Text(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Error($"\"{name}\" is not valid text: it holds invalid UTF-8 or a lone surrogate (such as \\ud800).");
        }
    }

    private static string Article(string type) => type == "interval" ? "an" : "a";

    private static DateTimeOffset? ReadInstant(JsonElement element, string name)
    {
        if (!TryGetValue(element, name, out JsonElement value))
        {
            return null;
        }

        // A time without an offset is read by System.Text.Json in the machine's local zone; refuse it instead, so that the
        // same text means the same instant everywhere.
        if (value.ValueKind == JsonValueKind.String)
        {
            _ = Text(value, name);
        }

        if (value.ValueKind != JsonValueKind.String ||
            !value.TryGetDateTime(out DateTime local) || local.Kind == DateTimeKind.Unspecified ||
            !value.TryGetDateTimeOffset(out DateTimeOffset instant))
        {
            throw Error(
                $"\"{name}\" must be an ISO 8601 date and time with a UTC offset, such as \"2026-01-01T09:00:00+01:00\", not {Show(value)}.");
        }

        return instant;
    }

    /// <summary>The IANA id of a zone, which reads back on every platform (.NET maps IANA ids to Windows zones there).</summary>
    private static string ZoneId(TimeZoneInfo zone)
    {
        string id = zone.Id;
        if (!zone.HasIanaId && TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out string? iana))
        {
            id = iana;
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out _))
        {
            throw new NotSupportedException(
                $"The time zone \"{zone.Id}\" is not a system time zone, so a trigger in it cannot be written as JSON and read back; " +
                "use a zone from TimeZoneInfo.FindSystemTimeZoneById.");
        }

        return id;
    }

    private static string Format(DateTimeOffset instant) => instant.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>The value as it is in the JSON text (strings with their quotes), cut short if it is long.</summary>
    private static string Show(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return "nothing";
        }

        string text;
        try
        {
            text = value.GetRawText();
        }
        catch (InvalidOperationException)
        {
            return "a value that is not valid text (invalid UTF-8 or a lone surrogate)";
        }

        return text.Length <= MaxEcho ? text : string.Concat(text.AsSpan(0, MaxEcho), "…");
    }

    private static FormatException Error(string message) => new(Prefix + message);
}
