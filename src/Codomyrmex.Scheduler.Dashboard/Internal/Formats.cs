using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Schedules;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>How the dashboard writes schedules, times, durations and values (as plain strings; the pages encode them).</summary>
internal static class Formats
{
    /// <summary>A schedule in plain English, the words of <c>schedctl explain</c>.</summary>
    public static string Schedule(Trigger? trigger)
    {
        switch (trigger)
        {
            case null:
                return "Once, when scheduled.";
            case CronTrigger cron:
                string sentence;
                try
                {
                    sentence = Explainer.Explain(cron.Expression.ToString(), cron.Expression.Format);
                }
                catch (FormatException)
                {
                    sentence = cron.Expression.ToString();
                }

                return cron.TimeZone is { } zone ? $"{sentence[..^1]} ({zone.Id})." : sentence;
            case IntervalTrigger interval:
                return Explainer.ExplainInterval(interval.Interval);
            case OnceTrigger once:
                return "Once, at " + Time(once.RunAt, TimeZoneInfo.Utc) + ".";
            default:
                return trigger.ToString() ?? "";
        }
    }

    /// <summary>The zone a job's times are shown in: its cron trigger's, else the server's (the zone its schedule is read in).</summary>
    public static TimeZoneInfo Zone(Job job) => (job.Trigger as CronTrigger)?.TimeZone ?? TimeZoneInfo.Local;

    /// <summary>A time in a zone: <c>2026-12-05 09:30:00 +01:00</c>.</summary>
    public static string Time(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    /// <summary>A time for the viewer's browser to show in its own zone (ISO 8601, UTC).</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A time cell: the time in the job's zone, and the viewer's (filled in by the browser).</summary>
    public static void TimeCell(HtmlBuilder html, DateTimeOffset? time, TimeZoneInfo zone)
    {
        if (time is not { } t)
        {
            html.Raw("<span class=\"none\">—</span>");
            return;
        }

        html.Raw("<span class=\"t\">").Text(Time(t, zone)).Raw("</span><time class=\"viewer\" datetime=\"").Text(Iso(t)).Raw("\"></time>");
    }

    /// <summary>A duration: <c>850 ms</c>, <c>12.4 s</c>, <c>3 min 5 s</c>, <c>2 h 10 min</c>.</summary>
    public static string Duration(TimeSpan duration) => duration switch
    {
        { TotalSeconds: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, duration.TotalMilliseconds):0} ms"),
        { TotalMinutes: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s"),
        { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.Minutes} min {duration.Seconds} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours} h {duration.Minutes} min"),
    };

    /// <summary>An argument's value as text: JSON for JSON values, quoted strings, invariant numbers.</summary>
    public static string Value(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        JsonNode node => node.ToJsonString(),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Value)) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// A run's output as a reader wants it: a job's string result as the string, a command's result (a JSON object with
    /// <c>stdout</c> and <c>stderr</c>) as its output, any other result as its JSON.
    /// </summary>
    public static string? Output(string? result)
    {
        if (string.IsNullOrEmpty(result) || result[0] is not ('"' or '{'))
        {
            return result;
        }

        try
        {
            switch (JsonNode.Parse(result))
            {
                case JsonValue value when value.TryGetValue(out string? text):
                    return text;
                case JsonObject command when command["stdout"] is JsonValue || command["stderr"] is JsonValue:
                    string stdout = command["stdout"]?.GetValue<string>() ?? "";
                    string stderr = command["stderr"]?.GetValue<string>() ?? "";
                    return stderr.Length == 0 ? stdout : stdout + (stdout.Length == 0 || stdout.EndsWith('\n') ? "" : "\n") + "[stderr]\n" + stderr;
                default:
                    return result;
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return result;
        }
    }

    /// <summary>The last characters of a text, marked when cut.</summary>
    public static string? Tail(string? text, int length) => text is null || text.Length <= length ? text : "…" + text[^length..];

    /// <summary>The lowercase name of a status or outcome.</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}
