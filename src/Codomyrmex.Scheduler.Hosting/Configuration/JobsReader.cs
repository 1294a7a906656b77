using System.Globalization;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Internal;
using Microsoft.Extensions.Configuration;

namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>
/// Reads <c>Scheduler:Jobs</c>: the job shape of schedctl's jobs file, with <c>task</c> (a registered task) instead of
/// <c>command</c>.
/// </summary>
/// <remarks>
/// <c>Jobs</c> is an array of jobs, or an object whose keys are the jobs' names (handier in environment variables:
/// <c>Scheduler__Jobs__backup__schedule</c>). Because configuration holds only text, <c>args</c> and <c>kwargs</c> reach
/// the task as JSON strings (nested arrays and objects keep their shape).
/// </remarks>
internal static class JobsReader
{
    private static readonly string[] Fields =
    [
        "name", "task", "schedule", "time_zone", "trigger", "args", "kwargs", "timeout", "max_runs", "overlap", "misfire",
        "misfire_grace", "max_attempts", "retry_delay", "recoverable",
    ];

    /// <summary>Fields of schedctl's jobs file that only a command job has.</summary>
    private static readonly string[] CommandFields = ["command", "shell", "working_dir", "env"];

    public static void Read(IConfigurationSection jobs, ConfigurationReader reader, List<ConfiguredJob> into)
    {
        if (jobs.Value is { Length: > 0 })
        {
            reader.Error(jobs, "expected an array of jobs (or an object of jobs by name), not a value.");
            return;
        }

        var firstPathOfName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (IConfigurationSection job in jobs.GetChildren())
        {
            if (ReadJob(job, reader) is not { } definition)
            {
                continue;
            }

            if (firstPathOfName.TryGetValue(definition.Name, out string? first))
            {
                reader.Error(job, $"the job name '{definition.Name}' is already used by {first}; names must be unique.");
                continue;
            }

            firstPathOfName.Add(definition.Name, job.Path);
            into.Add(new ConfiguredJob(job.Path, definition));
        }
    }

    private static JobDefinition? ReadJob(IConfigurationSection job, ConfigurationReader reader)
    {
        if (job.Value is not null && !job.GetChildren().Any())
        {
            reader.Error(job, "expected a job (an object with name, task and schedule), not a value.");
            return null;
        }

        int errors = reader.Errors.Count;
        string? name = IsIndex(job.Key) ? null : job.Key;
        string? task = null;
        string? schedule = null;
        IConfigurationSection? scheduleSection = null;
        IConfigurationSection? zoneSection = null;
        IConfigurationSection? triggerSection = null;
        TimeZoneInfo? zone = null;
        Trigger? trigger = null;
        JsonArray? args = null;
        JsonObject? kwargs = null;
        int? maxRuns = null;
        JobOptions options = JobOptions.Default;
        foreach (IConfigurationSection field in job.GetChildren())
        {
            switch (field.Key.ToLowerInvariant())
            {
                case "name":
                    name = reader.Text(field) is { } text && NonEmpty(field, text, reader) ? text : name;
                    break;
                case "task":
                    task = reader.Text(field) is { } taskName && NonEmpty(field, taskName, reader) ? taskName : null;
                    break;
                case "schedule":
                    scheduleSection = field;
                    schedule = reader.Text(field);
                    break;
                case "time_zone":
                    zoneSection = field;
                    zone = reader.Zone(field);
                    break;
                case "trigger":
                    triggerSection = field;
                    break;
                case "args":
                    args = Node(field) as JsonArray ?? Invalid<JsonArray>(field, reader, "an array");
                    break;
                case "kwargs":
                    kwargs = (IsEmpty(field) ? [] : Node(field) as JsonObject) ?? Invalid<JsonObject>(field, reader, "an object");
                    break;
                case "timeout":
                    options = reader.Duration(field, allowZero: false) is { } timeout ? options with { Timeout = timeout } : options;
                    break;
                case "max_runs":
                    maxRuns = reader.Integer(field, 1);
                    break;
                case "overlap":
                    options = reader.Parse<OverlapPolicy?>(field, text => PolicyText.ParseOverlap(text)) is { } overlap ? options with { Overlap = overlap } : options;
                    break;
                case "misfire":
                    options = reader.Parse<MisfirePolicy?>(field, text => PolicyText.ParseMisfire(text)) is { } misfire ? options with { Misfire = misfire } : options;
                    break;
                case "misfire_grace":
                    options = reader.Duration(field, allowZero: true) is { } grace ? options with { MisfireGraceTime = grace } : options;
                    break;
                case "max_attempts":
                    options = reader.Integer(field, 1) is { } attempts ? options with { MaxAttempts = attempts } : options;
                    break;
                case "retry_delay":
                    options = reader.Duration(field, allowZero: true) is { } delay
                        ? options with { RetryDelay = delay, MaxRetryDelay = delay > options.MaxRetryDelay ? delay : options.MaxRetryDelay }
                        : options;
                    break;
                case "recoverable":
                    options = reader.Boolean(field) is { } recoverable ? options with { Recoverable = recoverable } : options;
                    break;
                default:
                    if (CommandFields.Contains(field.Key, StringComparer.OrdinalIgnoreCase))
                    {
                        reader.Error(field, $"'{field.Key}' belongs to schedctl's command jobs; a hosted job runs a registered task: use \"task\".");
                    }
                    else
                    {
                        reader.Unknown(field, "job field", Fields);
                    }

                    break;
            }
        }

        if (name is null)
        {
            reader.Error(job, "the job has no \"name\".");
        }

        if (task is null && !job.GetChildren().Any(field => string.Equals(field.Key, "task", StringComparison.OrdinalIgnoreCase)))
        {
            reader.Error(job, "the job has no \"task\"; name a task registered with AddTask.");
        }

        if (scheduleSection is not null && triggerSection is not null)
        {
            reader.Error(job, "the job has both \"schedule\" and \"trigger\"; give one.");
        }
        else if (scheduleSection is null && triggerSection is null)
        {
            reader.Error(job, "the job has no \"schedule\" (cron, macro or \"@every 30s\") and no \"trigger\".");
        }
        else if (schedule is not null)
        {
            trigger = reader.Parse(scheduleSection!, text => Triggers.Parse(text, zone));
        }
        else if (triggerSection is not null)
        {
            if (zoneSection is not null)
            {
                reader.Error(zoneSection, "\"time_zone\" goes with \"schedule\"; a cron \"trigger\" has its own \"time_zone\".");
            }

            trigger = TriggerObject(triggerSection, reader);
        }

        return reader.Errors.Count > errors || name is null || task is null
            ? null
            : new JobDefinition { Name = name, Task = task, Trigger = trigger, Args = args, Kwargs = kwargs, MaxRuns = maxRuns, Options = options };
    }

    private static bool IsEmpty(IConfigurationSection field) => field.Value is null or { Length: 0 } && !field.GetChildren().Any();

    private static bool IsIndex(string key) => key.Length > 0 && key.All(char.IsAsciiDigit);

    private static bool NonEmpty(IConfigurationSection field, string text, ConfigurationReader reader)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        reader.Error(field, "is empty.");
        return false;
    }

    private static T? Invalid<T>(IConfigurationSection field, ConfigurationReader reader, string what)
        where T : class
    {
        reader.Error(field, $"expected {what}, not a value.");
        return null;
    }

    private static Trigger? TriggerObject(IConfigurationSection field, ConfigurationReader reader)
    {
        if (Node(field) is not JsonObject json)
        {
            reader.Error(field, "expected a trigger object such as { \"type\": \"interval\", \"minutes\": 5 }, not a value.");
            return null;
        }

        // Configuration holds text: the trigger's numbers come back as numbers here, so the JSON reader sees its own shape.
        foreach ((string key, JsonNode? value) in json.ToList())
        {
            if (value is JsonValue text && text.TryGetValue(out string? s)
                && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                json[key] = number;
            }
        }

        return reader.Parse(field, json.ToJsonString(), Trigger.FromJson);
    }

    /// <summary>
    /// A configuration section as JSON: a value is a string; children keyed 0, 1, 2, ... are an array, others an object.
    /// An empty array or object in appsettings.json arrives as an empty value, which is read as an empty container.
    /// </summary>
    private static JsonNode? Node(IConfigurationSection section)
    {
        List<IConfigurationSection> children = [.. section.GetChildren()];
        if (children.Count == 0)
        {
            return section.Value is null or { Length: 0 } ? new JsonArray() : JsonValue.Create(section.Value);
        }

        if (children.Select((child, index) => child.Key == index.ToString(CultureInfo.InvariantCulture)).All(match => match))
        {
            return new JsonArray([.. children.Select(Node)]);
        }

        var json = new JsonObject();
        foreach (IConfigurationSection child in children)
        {
            json[child.Key] = Node(child);
        }

        return json;
    }
}
