using System.Globalization;
using System.Text.Json;
using Codomyrmex.Scheduler.Cli.Schedules;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>Reads a JSON jobs file (comments and trailing commas allowed), collecting every error with its line and column.</summary>
internal sealed class JsonJobsReader
{
    /// <summary>The fields of a job that schedctl reads.</summary>
    private static readonly string[] JobFields =
    [
        "name", "schedule", "time_zone", "trigger", "command", "shell", "working_dir", "env", "timeout", "max_runs",
        "overlap", "misfire", "misfire_grace", "max_attempts", "retry_delay", "recoverable",
    ];

    /// <summary>Fields of the shared job shape that only an app with registered tasks (Codomyrmex.Scheduler.Hosting) can use.</summary>
    private static readonly string[] TaskFields = ["task", "args", "kwargs"];

    private static readonly string[] RootFields = ["jobs", "$schema"];

    private readonly JsonPositions _positions;
    private readonly List<FileError> _errors = [];
    private readonly Dictionary<string, int> _namesSeen = new(StringComparer.Ordinal);

    private JsonJobsReader(JsonPositions positions) => _positions = positions;

    public static JobsFileResult Read(string path, byte[] utf8)
    {
        // A byte order mark is not JSON; dropping it keeps line 1's columns right.
        if (utf8.AsSpan().StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        JsonPositions positions;
        JsonDocument document;
        try
        {
            positions = new JsonPositions(utf8);
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            (int line, int column) = TextPositions.OfLine(utf8, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            return new JobsFileResult(JobsFileFormat.Json, null, [new FileError(line, column, SyntaxMessage(e.Message))]);
        }

        if (positions.Problems.Count > 0)
        {
            // A repeated key or a string that is no text makes the document mean something other than what it shows.
            document.Dispose();
            return new JobsFileResult(JobsFileFormat.Json, null, positions.Problems);
        }

        using (document)
        {
            var reader = new JsonJobsReader(positions);
            List<JobSpec> jobs = reader.ReadRoot(document.RootElement);
            IReadOnlyList<FileError> errors = [.. reader._errors.OrderBy(e => e.Line).ThenBy(e => e.Column)];
            return new JobsFileResult(JobsFileFormat.Json, errors.Count == 0 ? new JobsFile(path, JobsFileFormat.Json, jobs) : null, errors);
        }
    }

    /// <summary>The reader's message without the position it appends ("… LineNumber: 3 | BytePositionInLine: 7.").</summary>
    private static string SyntaxMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        int path = message.IndexOf(" Path:", StringComparison.Ordinal);
        cut = path >= 0 && (cut < 0 || path < cut) ? path : cut;
        return "invalid JSON: " + (cut >= 0 ? message[..cut] : message).TrimEnd();
    }

    private List<JobSpec> ReadRoot(JsonElement root)
    {
        var jobs = new List<JobSpec>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            Error("$", $"a jobs file is an object {{\"jobs\": [...]}}, not {Kind(root)}.");
            return jobs;
        }

        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!RootFields.Contains(property.Name, StringComparer.Ordinal))
            {
                ErrorAtName("$." + property.Name, UnknownField(property.Name, RootFields, "the jobs file"));
            }
        }

        if (!root.TryGetProperty("jobs", out JsonElement list))
        {
            Error("$", "the jobs file has no \"jobs\" array.");
            return jobs;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            Error("$.jobs", $"\"jobs\" must be an array of jobs, not {Kind(list)}.");
            return jobs;
        }

        int index = 0;
        foreach (JsonElement job in list.EnumerateArray())
        {
            if (ReadJob(job, string.Create(CultureInfo.InvariantCulture, $"$.jobs[{index++}]")) is { } spec)
            {
                jobs.Add(spec);
            }
        }

        return jobs;
    }

    private JobSpec? ReadJob(JsonElement job, string path)
    {
        if (job.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"a job must be an object, not {Kind(job)}.");
            return null;
        }

        int errors = _errors.Count;
        foreach (JsonProperty property in job.EnumerateObject())
        {
            if (TaskFields.Contains(property.Name, StringComparer.Ordinal))
            {
                ErrorAtName($"{path}.{property.Name}",
                    $"\"{property.Name}\" names a registered task, which only an app using Codomyrmex.Scheduler.Hosting has; " +
                    "schedctl runs commands: use \"command\".");
            }
            else if (!JobFields.Contains(property.Name, StringComparer.Ordinal))
            {
                ErrorAtName($"{path}.{property.Name}", UnknownField(property.Name, JobFields, "a job"));
            }
        }

        string? name = ReadName(job, path);
        string label = name is null ? "the job" : $"job '{name}'";
        bool atStart = RunsAtStart(job);
        Trigger? trigger = atStart ? null : ReadTrigger(job, path, label);
        (IReadOnlyList<string>? command, bool shell) = ReadCommand(job, path, label);
        string? workingDirectory = ReadWorkingDirectory(job, path);
        Dictionary<string, string> environment = ReadEnvironment(job, path);
        int? maxRuns = Integer(job, path, "max_runs", 1);
        JobOptions options = ReadOptions(job, path);
        bool recoverable = Boolean(job, path, "recoverable") ?? false;

        if (atStart && job.TryGetProperty("time_zone", out _))
        {
            ErrorAtName(path + ".time_zone", "\"time_zone\" has no meaning for \"@reboot\", which runs once when 'schedctl run' starts.");
        }

        return _errors.Count > errors || name is null || (trigger is null && !atStart) || command is null
            ? null
            : new JobSpec
            {
                Name = name,
                Trigger = trigger,
                Command = command,
                Shell = shell,
                WorkingDirectory = workingDirectory,
                Environment = environment,
                MaxRuns = maxRuns,
                Options = options,
                Recoverable = recoverable,
                Line = _positions.Value(path).Line,
                Column = _positions.Value(path).Column,
                Places = job.EnumerateObject().ToDictionary(property => property.Name, property => _positions.Value($"{path}.{property.Name}")),
            };
    }

    /// <summary>The job's <c>"working_dir"</c>: an empty one names no folder, so every run would fail; it is refused here instead.</summary>
    private string? ReadWorkingDirectory(JsonElement job, string path)
    {
        string? folder = String(job, path, "working_dir");
        if (folder is not null && folder.Trim().Length == 0)
        {
            Error(path + ".working_dir", "\"working_dir\" is empty; name a folder, or leave it out to run in schedctl's folder (the user's home for a job with a user).");
            return null;
        }

        return folder;
    }

    private string? ReadName(JsonElement job, string path)
    {
        if (!job.TryGetProperty("name", out _))
        {
            Error(path, "the job has no \"name\"; every job needs a unique name, by which a restart finds it again.");
            return null;
        }

        string? name = String(job, path, "name");
        if (name is null)
        {
            return null;
        }

        if (name.Trim().Length == 0)
        {
            Error(path + ".name", "the job's \"name\" is empty.");
            return null;
        }

        if (name.Any(char.IsControl))
        {
            // A name is printed in every run line and table; a line break or escape sequence in it would forge or garble them.
            Error(path + ".name", "the job's \"name\" holds a control character (a line break, tab or escape); names are printed in logs and tables.");
            return null;
        }

        if (_namesSeen.TryGetValue(name, out int firstLine))
        {
            Error(path + ".name", $"duplicate job name '{name}'; the first job with that name is on line {firstLine}.");
            return null;
        }

        _namesSeen[name] = _positions.Value(path + ".name").Line;
        return name;
    }

    private Trigger? ReadTrigger(JsonElement job, string path, string label)
    {
        bool hasSchedule = job.TryGetProperty("schedule", out JsonElement schedule);
        bool hasTrigger = job.TryGetProperty("trigger", out JsonElement trigger);
        if (hasSchedule && hasTrigger)
        {
            ErrorAtName(path + ".trigger", $"{label} has both \"schedule\" and \"trigger\"; give one of them.");
            return null;
        }

        if (!hasSchedule && !hasTrigger)
        {
            Error(path, $"{label} has no \"schedule\" (cron, a macro such as @daily, or \"@every 30s\") and no \"trigger\".");
            return null;
        }

        TimeZoneInfo? zone = null;
        if (String(job, path, "time_zone") is { } zoneId)
        {
            if (hasTrigger)
            {
                ErrorAtName(path + ".time_zone", "\"time_zone\" goes with \"schedule\"; a \"trigger\" of type cron has its own \"time_zone\".");
                return null;
            }

            if (!TimeZones.TryFind(zoneId, out zone, out string? zoneError))
            {
                Error(path + ".time_zone", zoneError);
                return null;
            }
        }

        return hasTrigger ? TriggerJson(trigger, path + ".trigger") : Schedule(schedule, path + ".schedule", zone);
    }

    /// <summary>Whether the job's schedule is <c>@reboot</c>: no trigger, one run each time <c>schedctl run</c> starts.</summary>
    private static bool RunsAtStart(JsonElement job) =>
        job.TryGetProperty("schedule", out JsonElement schedule) && schedule.ValueKind == JsonValueKind.String && ScheduleText.IsAtStart(schedule.GetString()!)
        && !job.TryGetProperty("trigger", out _);

    private Trigger? Schedule(JsonElement schedule, string path, TimeZoneInfo? zone)
    {
        if (schedule.ValueKind != JsonValueKind.String)
        {
            Error(path, $"\"schedule\" must be a string such as \"*/5 * * * *\", \"@daily\" or \"@every 30s\", not {Kind(schedule)}.");
            return null;
        }

        string text = schedule.GetString()!;
        if (!ScheduleText.TryParse(text, zone, null, out Trigger? trigger, out string? error, out int offset))
        {
            // The column of the bad token: past the opening quote, exact unless the string has escapes before it.
            (int line, int column) = _positions.Value(path);
            _errors.Add(new FileError(line, column + 1 + offset, error));
            return null;
        }

        return NeverFires(trigger, path, text) ? null : trigger;
    }

    /// <summary>A trigger in the core's JSON shape (<c>{"type": "interval", "minutes": 5}</c>), read by the core; its error is placed at the field it names.</summary>
    private Trigger? TriggerJson(JsonElement trigger, string path)
    {
        Trigger result;
        try
        {
            result = Trigger.FromJson(trigger);
        }
        catch (FormatException e)
        {
            const string Prefix = "Trigger JSON: ";
            string message = "\"trigger\": " + (e.Message.StartsWith(Prefix, StringComparison.Ordinal) ? e.Message[Prefix.Length..] : e.Message);
            PlaceTriggerError(trigger, path, message);
            return null;
        }

        return result is CronTrigger && NeverFires(result, path + ".expression", trigger.GetProperty("expression").GetString()!) ? null : result;
    }

    /// <summary>
    /// Puts a trigger error where it belongs: on the first field of the trigger that the message names (its name for an unknown
    /// or repeated field, the bad token for a cron expression, else its value), or on the trigger itself.
    /// </summary>
    private void PlaceTriggerError(JsonElement trigger, string path, string message)
    {
        JsonProperty? named = null;
        int at = int.MaxValue;
        if (trigger.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in trigger.EnumerateObject())
            {
                int index = message.IndexOf($"\"{property.Name}\"", "\"trigger\": ".Length, StringComparison.Ordinal);
                if (index >= 0 && index < at)
                {
                    (named, at) = (property, index);
                }
            }
        }

        if (named is null && message.Contains("unknown type", StringComparison.Ordinal))
        {
            Error(path + ".type", message);
            return;
        }

        if (named is not { } field)
        {
            Error(path, message);
            return;
        }

        string fieldPath = $"{path}.{field.Name}";
        if (message.Contains("unknown field", StringComparison.Ordinal) || message.Contains("more than once", StringComparison.Ordinal))
        {
            ErrorAtName(fieldPath, message);
        }
        else if (field.Name == "expression" && field.Value.ValueKind == JsonValueKind.String &&
            !ScheduleText.TryParse(field.Value.GetString()!, null, null, out _, out _, out int offset))
        {
            // The column of the bad token: past the opening quote, exact unless the string has escapes before it.
            (int line, int column) = _positions.Value(fieldPath);
            _errors.Add(new FileError(line, column + 1 + offset, message));
        }
        else
        {
            Error(fieldPath, message);
        }
    }

    /// <summary>A schedule that names no date that exists (<c>0 0 30 2 *</c>) is refused, as <c>Scheduler.Schedule</c> refuses it.</summary>
    private bool NeverFires(Trigger trigger, string path, string text)
    {
        if (ScheduleText.NeverFires(trigger))
        {
            Error(path, $"the schedule '{text}' never fires: no such date exists.");
            return true;
        }

        return false;
    }

    private (IReadOnlyList<string>? Command, bool Shell) ReadCommand(JsonElement job, string path, string label)
    {
        bool shell = Boolean(job, path, "shell") ?? false;
        if (!job.TryGetProperty("command", out JsonElement command))
        {
            Error(path, $"{label} has no \"command\": give the program and its arguments, [\"tar\", \"czf\", \"/b.tgz\", \"/data\"].");
            return (null, shell);
        }

        string at = path + ".command";
        switch (command.ValueKind)
        {
            case JsonValueKind.String when shell:
                if (command.GetString()!.Trim().Length == 0)
                {
                    Error(at, "\"command\" is empty.");
                    return (null, shell);
                }

                return ([command.GetString()!], shell);
            case JsonValueKind.String:
                Error(at, "a string \"command\" is a shell command line: add \"shell\": true, or give the argv as an array, [\"tar\", \"czf\", \"/b.tgz\"].");
                return (null, shell);
            case JsonValueKind.Array when shell:
                Error(at, "with \"shell\": true, \"command\" is one string, the command line for the shell.");
                return (null, shell);
            case JsonValueKind.Array:
                var argv = new List<string>();
                int index = 0;
                foreach (JsonElement item in command.EnumerateArray())
                {
                    string itemPath = string.Create(CultureInfo.InvariantCulture, $"{at}[{index++}]");
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        Error(itemPath, $"each argument of \"command\" must be a string, not {Kind(item)}.");
                    }
                    else
                    {
                        argv.Add(item.GetString()!);
                    }
                }

                if (index == 0 || (argv.Count > 0 && argv[0].Length == 0))
                {
                    Error(at, "\"command\" needs a program to run as its first element.");
                    return (null, shell);
                }

                return argv.Count == index ? (argv, shell) : (null, shell);
            default:
                Error(at, $"\"command\" must be an array of strings (argv), or a string with \"shell\": true, not {Kind(command)}.");
                return (null, shell);
        }
    }

    private Dictionary<string, string> ReadEnvironment(JsonElement job, string path)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!job.TryGetProperty("env", out JsonElement env))
        {
            return environment;
        }

        if (env.ValueKind != JsonValueKind.Object)
        {
            Error(path + ".env", $"\"env\" must be an object of strings, {{\"NAME\": \"value\"}}, not {Kind(env)}.");
            return environment;
        }

        foreach (JsonProperty variable in env.EnumerateObject())
        {
            if (EnvironmentNames.Problem(variable.Name) is { } problem)
            {
                ErrorAtName($"{path}.env.{variable.Name}", problem);
            }
            else if (variable.Value.ValueKind != JsonValueKind.String)
            {
                Error($"{path}.env.{variable.Name}", $"the value of \"{variable.Name}\" in \"env\" must be a string, not {Kind(variable.Value)}.");
            }
            else
            {
                environment[variable.Name] = variable.Value.GetString()!;
            }
        }

        return environment;
    }

    private JobOptions ReadOptions(JsonElement job, string path)
    {
        JobOptions options = JobOptions.Default;
        if (String(job, path, "overlap") is { } overlapText)
        {
            try
            {
                options = options with { Overlap = PolicyText.ParseOverlap(overlapText) };
            }
            catch (FormatException e)
            {
                Error(path + ".overlap", e.Message);
            }
        }

        if (String(job, path, "misfire") is { } misfireText)
        {
            try
            {
                options = options with { Misfire = PolicyText.ParseMisfire(misfireText) };
            }
            catch (FormatException e)
            {
                Error(path + ".misfire", e.Message);
            }
        }

        if (Duration(job, path, "timeout", positive: true) is { } timeout)
        {
            options = options with { Timeout = timeout };
        }

        if (Duration(job, path, "misfire_grace", positive: false) is { } grace)
        {
            options = options with { MisfireGraceTime = grace };
        }

        if (Duration(job, path, "retry_delay", positive: false) is { } retryDelay)
        {
            // A retry delay longer than the default cap raises the cap rather than being cut to it.
            options = options with { RetryDelay = retryDelay, MaxRetryDelay = retryDelay > options.MaxRetryDelay ? retryDelay : options.MaxRetryDelay };
        }

        if (Integer(job, path, "max_attempts", 1) is { } attempts)
        {
            options = options with { MaxAttempts = attempts };
        }

        return options;
    }

    private TimeSpan? Duration(JsonElement job, string path, string field, bool positive)
    {
        if (String(job, path, field, "a duration such as \"30s\", \"5m\" or \"1h30m\"") is not { } text)
        {
            return null;
        }

        if (!DurationText.TryParse(text, out TimeSpan value, out string? reason))
        {
            Error($"{path}.{field}", $"\"{field}\": the duration \"{text}\" is invalid: {reason}.");
            return null;
        }

        if (positive && value <= TimeSpan.Zero)
        {
            Error($"{path}.{field}", $"\"{field}\" must be a positive duration, not {text}.");
            return null;
        }

        return value;
    }

    private string? String(JsonElement parent, string path, string field, string what = "a string")
    {
        if (!parent.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error($"{path}.{field}", $"\"{field}\" must be {what}, not {Kind(value)}.");
            return null;
        }

        return value.GetString();
    }

    private int? Integer(JsonElement parent, string path, string field, int min)
    {
        if (!parent.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number) || number < min)
        {
            string what = min == 0 ? "a whole number, 0 or more" : string.Create(CultureInfo.InvariantCulture, $"a whole number, {min} or more");
            Error($"{path}.{field}", $"\"{field}\" must be {what}, not {(value.ValueKind == JsonValueKind.Number ? value.GetRawText() : Kind(value))}.");
            return null;
        }

        return number;
    }

    private bool? Boolean(JsonElement parent, string path, string field)
    {
        if (!parent.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Error($"{path}.{field}", $"\"{field}\" must be true or false, not {Kind(value)}.");
            return null;
        }

        return value.GetBoolean();
    }

    private static string UnknownField(string name, string[] known, string where) =>
        Names.Closest(name, known) is { } closest
            ? $"unknown field \"{name}\" in {where}; did you mean \"{closest}\"?"
            : $"unknown field \"{name}\" in {where}; known fields are {string.Join(", ", known)}.";

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private void Error(string path, string message)
    {
        (int line, int column) = _positions.Value(path);
        _errors.Add(new FileError(line, column, message));
    }

    private void ErrorAtName(string path, string message)
    {
        (int line, int column) = _positions.Name(path);
        _errors.Add(new FileError(line, column, message));
    }
}
