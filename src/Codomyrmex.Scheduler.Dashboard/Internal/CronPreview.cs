using System.Text.Json;
using Codomyrmex.Scheduler.Cli.Schedules;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>What the cron field shows as you type: the expression in words and its next runs, or why it is not valid.</summary>
internal sealed record CronPreview(string Expression, string? Description, string? Error, TimeZoneInfo Zone, IReadOnlyList<DateTimeOffset> Next)
{
    public const int Count = 10;

    public static CronPreview Explain(string expression, string? zoneId, DateTimeOffset now)
    {
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        if (!string.IsNullOrWhiteSpace(zoneId) && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId.Trim(), out zone!))
        {
            return new CronPreview(expression, null, $"Unknown time zone: {zoneId.Trim()}.", TimeZoneInfo.Utc, []);
        }

        if (string.IsNullOrWhiteSpace(expression))
        {
            return new CronPreview(expression, null, "Type a cron expression: five fields (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as @daily.", zone, []);
        }

        try
        {
            CronExpression cron = Cli.Schedules.Triggers.ParseCronExpression(expression.Trim());
            string description = Explainer.Explain(expression.Trim(), cron.Format);
            var next = new List<DateTimeOffset>(Count);
            for (DateTimeOffset? time = cron.GetNextOccurrence(now, zone); time is { } t && next.Count < Count; time = cron.GetNextOccurrence(t, zone))
            {
                next.Add(t);
            }

            return new CronPreview(expression, description, null, zone, next);
        }
        catch (FormatException e)
        {
            return new CronPreview(expression, null, e.Message, zone, []);
        }
    }

    /// <summary>The preview as JSON: <c>{"valid", "description", "error", "zone", "next": [{"utc", "zone"}]}</c>.</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteBoolean("valid", Error is null);
        json.WriteString("description", Description);
        json.WriteString("error", Error);
        json.WriteString("zone", Zone.Id);
        json.WriteStartArray("next");
        foreach (DateTimeOffset time in Next)
        {
            json.WriteStartObject();
            json.WriteString("utc", Formats.Iso(time));
            json.WriteString("zone", Formats.Time(time, Zone));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
