using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

// TEMPORARY: a private copy of the DESIGN §6 trigger JSON until Trigger.ToJson()/Trigger.FromJson(string) (branch `json`)
// are merged into main. Delete this file then and call those instead; the shape written here is the same.
internal static class TemporaryTriggerJson
{
    public static string ToJson(Trigger trigger)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
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
                    writer.WriteNumber("seconds", interval.Interval.TotalSeconds);
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
                        writer.WriteString("time_zone", zone.Id);
                    }

                    break;
                default:
                    throw new ArgumentException($"A trigger of type {trigger.GetType().Name} cannot be stored.", nameof(trigger));
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Trigger FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        string type = root.GetProperty("type").GetString()!;
        switch (type)
        {
            case "once":
                return new OnceTrigger(root.GetProperty("run_at").GetDateTimeOffset());
            case "interval":
                var interval = TimeSpan.FromSeconds(root.GetProperty("seconds").GetDouble());
                return new IntervalTrigger(interval, Optional(root, "start_time"), Optional(root, "end_time"));
            case "cron":
                string expression = root.GetProperty("expression").GetString()!;
                TimeZoneInfo? zone = root.TryGetProperty("time_zone", out JsonElement z) ? TimeZoneInfo.FindSystemTimeZoneById(z.GetString()!) : null;
                CronFormat format = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
                return CronTrigger.FromExpression(expression, zone, format);
            default:
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"trigger.type: '{type}' is not once, interval or cron."));
        }
    }

    private static DateTimeOffset? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value.GetDateTimeOffset() : null;
}
