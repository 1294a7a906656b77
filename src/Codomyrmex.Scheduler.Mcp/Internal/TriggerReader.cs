using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>Reads <c>trigger_type</c> and <c>trigger_config</c> of <c>schedule_job</c> into a trigger, refusing what the options do not allow.</summary>
internal static partial class TriggerReader
{
    /// <summary>The longest interval a caller may give: about ten years, far from any overflow.</summary>
    private static readonly TimeSpan MaxInterval = TimeSpan.FromDays(3660);

    /// <summary><see cref="MaxInterval"/> in whole seconds, the unit the fields are summed in.</summary>
    private static readonly long MaxIntervalSeconds = (long)MaxInterval.TotalSeconds;

    /// <summary>What a refusal of a too long interval, or of a field beyond it, ends with.</summary>
    private static readonly string LongestInterval = string.Create(CultureInfo.InvariantCulture, $"; at most {MaxInterval.TotalDays} days are allowed");

    /// <summary>How many gaps between cron occurrences are compared with the minimum interval.</summary>
    private const int CronGapsChecked = 200;

    public static Trigger Read(string type, JsonElement? config, SchedulerMcpOptions options, DateTimeOffset now)
    {
        if (config is not { ValueKind: JsonValueKind.Object } fields)
        {
            throw new ToolError(config is null
                ? "\"trigger_config\" is required: {\"run_at\": ISO-8601} for once, {\"seconds\", \"minutes\", \"hours\", \"days\"} for interval, {\"expression\"} for cron."
                : $"\"trigger_config\" must be an object, not {ToolArguments.Describe(config.Value)}.");
        }

        return type switch
        {
            "once" => Once(new ToolArguments(Fields(fields), ["run_at"]), now),
            "interval" => Interval(new ToolArguments(Fields(fields), IntervalFields), options),
            "cron" => Cron(new ToolArguments(Fields(fields), ["expression", "time_zone"]), options, now),
            _ => throw new ToolError($"Unknown trigger_type: {Texts.Clip(type)}; it must be once, interval or cron."),
        };
    }

    private static readonly string[] IntervalFields = ["seconds", "minutes", "hours", "days"];

    private static IEnumerable<KeyValuePair<string, JsonElement>> Fields(JsonElement config) =>
        config.EnumerateObject().Select(p => KeyValuePair.Create(ToolArguments.Name(p, "\"trigger_config\""), p.Value));

    private static OnceTrigger Once(ToolArguments config, DateTimeOffset now)
    {
        string text = config.RequiredString("run_at", 64);
        DateTimeOffset runAt = ParseTime(text, "run_at");
        if (runAt <= now)
        {
            throw new ToolError($"\"run_at\" {text} is not in the future (it is now {Texts.Time(now)}); a once job must run later. Use run_job_now to run a job at once.");
        }

        return new OnceTrigger(runAt);
    }

    /// <summary>An ISO-8601 time with its offset (<c>Z</c> or <c>+02:00</c>); a time without one would mean a different instant in every zone.</summary>
    public static DateTimeOffset ParseTime(string text, string field)
    {
        if (!IsoTime().IsMatch(text))
        {
            throw new ToolError(ZoneLess().IsMatch(text)
                ? $"\"{field}\" {Texts.Clip(text)} has no offset; give one, such as 2030-01-31T09:00:00Z or 2030-01-31T09:00:00+01:00."
                : $"\"{field}\" {Texts.Clip(text)} is not an ISO-8601 time with an offset, such as 2030-01-31T09:00:00Z.");
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset time))
        {
            throw new ToolError($"\"{field}\" {Texts.Clip(text)} is not a time that exists (check the month, day and hour).");
        }

        return time;
    }

    private static IntervalTrigger Interval(ToolArguments config, SchedulerMcpOptions options)
    {
        if (!IntervalFields.Any(config.Has))
        {
            throw new ToolError("An interval needs at least one of \"seconds\", \"minutes\", \"hours\", \"days\", a positive whole number.");
        }

        long seconds = 0;
        foreach ((string field, int unit) in new[] { ("seconds", 1), ("minutes", 60), ("hours", 3600), ("days", 86400) })
        {
            if (config.OptionalElement(field) is not { } value)
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long negative) && negative < 0)
            {
                throw new ToolError(string.Create(CultureInfo.InvariantCulture, $"\"{field}\" is {negative}; interval values must be positive."));
            }

            // Each field alone is bounded by the longest interval in its unit, so the sum stays far from what a TimeSpan holds.
            seconds += (long)ToolArguments.Integer(field, value, 0, (int)(MaxIntervalSeconds / unit), LongestInterval) * unit;
        }

        if (seconds <= 0)
        {
            throw new ToolError("The interval is zero; interval values must be positive.");
        }

        if (seconds > MaxIntervalSeconds)
        {
            throw new ToolError(string.Create(CultureInfo.InvariantCulture, $"The interval is {seconds} s{LongestInterval}."));
        }

        var interval = TimeSpan.FromSeconds(seconds);
        if (interval < options.MinimumInterval)
        {
            throw new ToolError(string.Create(CultureInfo.InvariantCulture,
                $"The interval is {seconds} s; this server allows no interval shorter than {options.MinimumInterval.TotalSeconds} s."));
        }

        return new IntervalTrigger(interval);
    }

    private static CronTrigger Cron(ToolArguments config, SchedulerMcpOptions options, DateTimeOffset now)
    {
        string text = config.RequiredString("expression", 256);
        TimeZoneInfo zone = Zone(config.OptionalString("time_zone", 64), options);
        CronExpression expression = ParseCron(text);
        CheckGaps(text, expression, zone, options, now);
        return new CronTrigger(expression, zone);
    }

    /// <summary>A cron expression of five fields, six with seconds first, or a macro; a bad one gets the documented error.</summary>
    public static CronExpression ParseCron(string text)
    {
        try
        {
            CronExpression expression = CronExpression.Parse(text,
                text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            if (expression.NeverFires)
            {
                throw new ToolError($"Invalid cron expression: {Texts.Clip(text)} (it never fires: no such date exists)");
            }

            return expression;
        }
        catch (FormatException e)
        {
            throw new ToolError($"Invalid cron expression: {Texts.Clip(text)} ({Texts.Clip(e.Message)})");
        }
    }

    /// <summary>The zone a call names (IANA, such as Europe/Berlin), else the options' zone, else UTC.</summary>
    public static TimeZoneInfo Zone(string? name, SchedulerMcpOptions options)
    {
        if (name is null)
        {
            return options.TimeZone ?? TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new ToolError($"Unknown time zone: {Texts.Clip(name)}; give an IANA zone such as Europe/Berlin or America/New_York.");
        }
    }

    /// <summary>Refuses a cron expression that fires more often than the minimum interval allows (checked over its next occurrences).</summary>
    private static void CheckGaps(string text, CronExpression expression, TimeZoneInfo zone, SchedulerMcpOptions options, DateTimeOffset now)
    {
        DateTimeOffset? previous = expression.GetNextOccurrence(now, zone);
        for (int i = 0; i < CronGapsChecked && previous is { } last; i++)
        {
            DateTimeOffset? next = expression.GetNextOccurrence(last, zone);
            if (next is { } following && following - last < options.MinimumInterval)
            {
                throw new ToolError(string.Create(CultureInfo.InvariantCulture,
                    $"The cron expression {Texts.Clip(text)} fires {(following - last).TotalSeconds} s apart; this server allows nothing more often than every {options.MinimumInterval.TotalSeconds} s."));
            }

            previous = next;
        }
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex IsoTime();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ZoneLess();
}
