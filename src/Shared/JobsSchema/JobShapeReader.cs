using System.Globalization;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>
/// The rules of the jobs schema, the one reader of jobs and tasks for every source (schedctl's jobs file, the hosting
/// <c>Scheduler:Jobs</c> configuration): every error is reported at its node, so each source places it its own way.
/// </summary>
internal sealed class JobShapeReader(JobSourceRules rules)
{
    /// <summary>The fields of a job.</summary>
    public static readonly string[] JobFields =
    [
        "name", "schedule", "time_zone", "trigger", "task", "args", "kwargs", "command", "shell", "working_dir", "env", "timeout",
        "max_runs", "overlap", "misfire", "misfire_grace", "max_attempts", "retry_delay", "recoverable",
    ];

    /// <summary>The fields of a job that run a command, which only a jobs file has.</summary>
    public static readonly string[] CommandFields = ["command", "shell", "working_dir", "env"];

    /// <summary>The fields of a task of a jobs file.</summary>
    public static readonly string[] TaskFields = ["command", "shell", "working_dir", "env", "timeout", "description", "takes_args", "args_may_be_options", "kwargs"];

    private readonly Dictionary<string, SchemaNode> _namesSeen = new(StringComparer.Ordinal);

    /// <summary>Gets how many errors were reported.</summary>
    public int Errors { get; private set; }

    /// <summary>Gets the tasks read by <see cref="ReadTasks"/>, by name.</summary>
    public Dictionary<string, TaskShape> Tasks { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads the <c>tasks</c> object: named commands without a schedule.</summary>
    public void ReadTasks(SchemaNode tasks)
    {
        if (tasks.Kind != SchemaKind.Object)
        {
            if (!tasks.IsEmptyText)
            {
                Fail(tasks, $"\"tasks\" must be an object of tasks by name, {{\"report\": {{\"command\": [...]}}}}, not {tasks.Describe()}.");
            }

            return;
        }

        foreach (SchemaNode task in tasks.Children)
        {
            if (ReadTask(task) is { } shape)
            {
                Tasks[shape.Name] = shape;
            }
        }
    }

    /// <summary>Reads a list of jobs: an array, or (where the source allows it) an object of jobs by name.</summary>
    public List<JobShape> ReadJobs(SchemaNode jobs)
    {
        var result = new List<JobShape>();
        bool byName = rules.JobsByName && jobs.Kind == SchemaKind.Object;
        if (jobs.Kind != SchemaKind.Array && !byName)
        {
            if (!jobs.IsEmptyText)
            {
                Fail(jobs, rules.JobsByName
                    ? $"\"jobs\" must be an array of jobs, or an object of jobs by name, not {jobs.Describe()}."
                    : $"\"jobs\" must be an array of jobs, not {jobs.Describe()}.");
            }

            return result;
        }

        foreach (SchemaNode job in jobs.Children)
        {
            if (ReadJob(job, byName ? job.Key : null) is { } shape)
            {
                result.Add(shape);
            }
        }

        return result;
    }

    /// <summary>Reads one job; <see langword="null"/> when it has errors (all reported).</summary>
    /// <param name="job">The job's node.</param>
    /// <param name="implicitName">The name the source gives the job when it has no <c>name</c> field (its key), if any.</param>
    public JobShape? ReadJob(SchemaNode job, string? implicitName)
    {
        if (job.Kind != SchemaKind.Object)
        {
            Fail(job, $"a job must be an object, not {job.Describe()}.");
            return null;
        }

        int errors = Errors;
        string[] known = rules.Commands ? JobFields : [.. JobFields.Except(CommandFields)];
        foreach (SchemaNode field in job.Children)
        {
            if (!rules.Commands && CommandFields.Contains(field.Key, job.Names))
            {
                FailAtName(field, $"\"{field.Key.ToLowerInvariant()}\" runs a program, which only schedctl's jobs file does; " +
                    "a hosted job runs a registered task: use \"task\".");
            }
            else if (!known.Contains(field.Key, job.Names))
            {
                FailAtName(field, UnknownField(field.Key, known, "a job"));
            }
        }

        string? name = ReadName(job, implicitName);
        string label = name is null ? "the job" : $"job '{name}'";
        bool atStart = rules.AtStart && RunsAtStart(job);
        Trigger? trigger = atStart ? null : ReadTrigger(job, label);
        SchemaNode? taskNode = job.Field("task");
        string? task = taskNode is null ? null : NonEmptyString(taskNode, "task");
        IReadOnlyList<string>? command = null;
        bool shell = false;
        string? workingDirectory = null;
        IReadOnlyDictionary<string, string> environment = new Dictionary<string, string>();
        JsonArray? args = null;
        JsonObject? kwargs = null;
        TaskShape? fileTask = null;
        if (rules.Commands)
        {
            if (taskNode is not null && task is not null)
            {
                fileTask = FileTask(job, taskNode, task, label);
            }
            else if (taskNode is null)
            {
                (command, shell) = ReadCommand(job, label, required: true);
                workingDirectory = ReadWorkingDirectory(job);
                environment = ReadEnvironment(job);
            }
        }
        else if (taskNode is null)
        {
            Fail(job, "the job has no \"task\"; name a task registered with AddTask.");
        }

        if (job.Field("args") is { } argsNode)
        {
            args = argsNode.IsEmptyText ? [] : argsNode.Kind == SchemaKind.Array ? (JsonArray)argsNode.ToJsonNode()! : null;
            if (args is null)
            {
                Fail(argsNode, $"\"args\" must be an array, not {argsNode.Describe()}.");
            }
        }

        if (job.Field("kwargs") is { } kwargsNode)
        {
            kwargs = kwargsNode.IsEmptyText ? [] : kwargsNode.Kind == SchemaKind.Object ? (JsonObject)kwargsNode.ToJsonNode()! : null;
            if (kwargs is null)
            {
                Fail(kwargsNode, $"\"kwargs\" must be an object, not {kwargsNode.Describe()}.");
            }
        }

        if (rules.Commands && (args is not null || kwargs is not null) && taskNode is null)
        {
            Fail(job.Field(args is not null ? "args" : "kwargs")!,
                $"\"{(args is not null ? "args" : "kwargs")}\" goes to a task's command; a job with \"command\" writes its arguments in it.");
        }

        if (fileTask is not null)
        {
            command = fileTask.BindArgs(args, out string? argsError);
            if (argsError is not null)
            {
                Fail(job.Field("args")!, argsError);
            }

            environment = fileTask.BindKwargs(kwargs, out string? kwargsError) ?? environment;
            if (kwargsError is not null)
            {
                Fail(job.Field("kwargs")!, kwargsError);
            }

            (shell, workingDirectory, args, kwargs) = (fileTask.Shell, fileTask.WorkingDirectory, null, null);
        }

        int? maxRuns = Integer(job, "max_runs", 1);
        JobOptions options = ReadOptions(job, fileTask?.Timeout);
        if (atStart && job.Field("time_zone") is { } zone)
        {
            FailAtName(zone, "\"time_zone\" has no meaning for \"@reboot\", which runs once when 'schedctl run' starts.");
        }

        return Errors > errors || name is null || (trigger is null && !atStart) || (rules.Commands ? command is null : task is null)
            ? null
            : new JobShape
            {
                Name = name,
                Trigger = trigger,
                Task = task,
                Command = command,
                Shell = shell,
                WorkingDirectory = workingDirectory,
                Environment = environment,
                Args = rules.Commands ? null : args,
                Kwargs = rules.Commands ? null : kwargs,
                MaxRuns = maxRuns,
                Options = options,
                Node = job,
            };
    }

    /// <summary>The file's task a job names, or null (reported) when the job also gives a command or the task is unknown.</summary>
    private TaskShape? FileTask(SchemaNode job, SchemaNode taskNode, string task, string label)
    {
        if (CommandFields.FirstOrDefault(field => job.Field(field) is not null) is { } commandField)
        {
            FailAtName(taskNode, commandField == "command"
                ? $"{label} has both \"task\" and \"command\"; give one of them."
                : $"{label} names a task, which has its own \"{commandField}\"; set it on the task.");
            return null;
        }

        if (!Tasks.TryGetValue(task, out TaskShape? shape))
        {
            Fail(taskNode, Tasks.Count == 0
                ? $"unknown task '{task}'; the file declares no \"tasks\"."
                : $"unknown task '{task}'; the tasks are {string.Join(", ", Tasks.Keys.Order(StringComparer.Ordinal))}.");
            return null;
        }

        return shape;
    }

    private TaskShape? ReadTask(SchemaNode task)
    {
        string name = task.Key;
        if (task.Kind != SchemaKind.Object)
        {
            Fail(task, $"task '{name}' must be an object with a \"command\", not {task.Describe()}.");
            return null;
        }

        int errors = Errors;
        foreach (SchemaNode field in task.Children)
        {
            if (!TaskFields.Contains(field.Key, task.Names))
            {
                FailAtName(field, UnknownField(field.Key, TaskFields, "a task"));
            }
        }

        if (name.Trim().Length == 0 || name.Any(char.IsControl))
        {
            FailAtName(task, "a task's name is empty or holds a control character (a line break, tab or escape).");
        }

        string label = $"task '{name}'";
        (IReadOnlyList<string>? command, bool shell) = ReadCommand(task, label, required: true);
        string? workingDirectory = ReadWorkingDirectory(task);
        Dictionary<string, string> environment = ReadEnvironment(task);
        TimeSpan? timeout = Duration(task, "timeout", positive: true);
        string? description = task.Field("description") is { } text ? String(text, "description") : null;
        bool takesArgs = task.Field("takes_args") is { } takes && Boolean(takes, "takes_args") is true;
        if (takesArgs && shell)
        {
            Fail(task.Field("takes_args")!, $"{label} runs a shell command line, which would reparse its arguments; " +
                "give its \"command\" as an argv array to let it take arguments.");
        }

        bool argsMayBeOptions = task.Field("args_may_be_options") is { } options && Boolean(options, "args_may_be_options") is true;
        if (argsMayBeOptions && !takesArgs)
        {
            Fail(task.Field("args_may_be_options")!, $"{label} sets \"args_may_be_options\" but takes no arguments; set \"takes_args\": true as well, or remove it.");
        }

        List<string> kwargs = task.Field("kwargs") is { } allowed ? ReadAllowList(allowed) : [];
        return Errors > errors || command is null
            ? null
            : new TaskShape
            {
                Name = name,
                Description = description,
                Command = command,
                Shell = shell,
                WorkingDirectory = workingDirectory,
                Environment = environment,
                Timeout = timeout,
                TakesArgs = takesArgs,
                ArgsMayBeOptions = argsMayBeOptions,
                Kwargs = kwargs,
                Node = task,
            };
    }

    /// <summary>A task's <c>kwargs</c>: the names of the environment variables a run may set, each a usable variable name.</summary>
    private List<string> ReadAllowList(SchemaNode allowed)
    {
        var names = new List<string>();
        if (allowed.Kind != SchemaKind.Array)
        {
            Fail(allowed, $"a task's \"kwargs\" must be an array of the environment variables a run may set, [\"NAME\", ...], not {allowed.Describe()}.");
            return names;
        }

        foreach (SchemaNode item in allowed.Children)
        {
            if (item.Kind is not (SchemaKind.String or SchemaKind.Text))
            {
                Fail(item, $"each name in \"kwargs\" must be a string, not {item.Describe()}.");
            }
            else if (EnvironmentNames.Problem(item.Text!) is { } problem)
            {
                Fail(item, problem);
            }
            else
            {
                names.Add(item.Text!);
            }
        }

        return names;
    }

    private string? ReadName(SchemaNode job, string? implicitName)
    {
        SchemaNode? field = job.Field("name");
        if (field is null && implicitName is null)
        {
            Fail(job, "the job has no \"name\"; every job needs a unique name, by which a restart finds it again.");
            return null;
        }

        string? name = field is null ? implicitName : String(field, "name");
        SchemaNode at = field ?? job;
        if (name is null)
        {
            return null;
        }

        if (name.Trim().Length == 0)
        {
            Fail(at, "the job's \"name\" is empty.");
            return null;
        }

        if (name.Any(char.IsControl))
        {
            // A name is printed in every run line and table; a line break or escape sequence in it would forge or garble them.
            Fail(at, "the job's \"name\" holds a control character (a line break, tab or escape); names are printed in logs and tables.");
            return null;
        }

        if (_namesSeen.TryGetValue(name, out SchemaNode? first))
        {
            Fail(at, $"duplicate job name '{name}'; the first job with that name is {first.Place}.");
            return null;
        }

        _namesSeen[name] = at;
        return name;
    }

    /// <summary>Whether the job's schedule is <c>@reboot</c>: no trigger, one run each time the runner starts.</summary>
    private static bool RunsAtStart(SchemaNode job) =>
        job.Field("schedule") is { Kind: SchemaKind.String or SchemaKind.Text, Text: { } text } && ScheduleText.IsAtStart(text)
        && job.Field("trigger") is null;

    private Trigger? ReadTrigger(SchemaNode job, string label)
    {
        SchemaNode? schedule = job.Field("schedule");
        SchemaNode? trigger = job.Field("trigger");
        if (schedule is not null && trigger is not null)
        {
            FailAtName(trigger, $"{label} has both \"schedule\" and \"trigger\"; give one of them.");
            return null;
        }

        if (schedule is null && trigger is null)
        {
            Fail(job, $"{label} has no \"schedule\" (cron, a macro such as @daily, or \"@every 30s\") and no \"trigger\".");
            return null;
        }

        TimeZoneInfo? zone = null;
        if (job.Field("time_zone") is { } zoneNode && String(zoneNode, "time_zone") is { } zoneId)
        {
            if (trigger is not null)
            {
                FailAtName(zoneNode, "\"time_zone\" goes with \"schedule\"; a \"trigger\" of type cron has its own \"time_zone\".");
                return null;
            }

            if (!TimeZones.TryFind(zoneId, out zone, out string? zoneError))
            {
                Fail(zoneNode, zoneError);
                return null;
            }
        }

        return trigger is not null ? TriggerObject(trigger) : Schedule(schedule!, zone);
    }

    private Trigger? Schedule(SchemaNode schedule, TimeZoneInfo? zone)
    {
        if (schedule.Kind is not (SchemaKind.String or SchemaKind.Text))
        {
            Fail(schedule, $"\"schedule\" must be a string such as \"*/5 * * * *\", \"@daily\" or \"@every 30s\", not {schedule.Describe()}.");
            return null;
        }

        string text = schedule.Text!;
        if (!ScheduleText.TryParse(text, zone, null, out Trigger? trigger, out string? error, out int offset))
        {
            Errors++;
            schedule.ErrorAt(offset, error);
            return null;
        }

        return NeverFires(trigger, schedule, text) ? null : trigger;
    }

    /// <summary>A trigger in the core's JSON shape (<c>{"type": "interval", "minutes": 5}</c>), read by the core; its error is placed at the field it names.</summary>
    private Trigger? TriggerObject(SchemaNode trigger)
    {
        if (trigger.Kind != SchemaKind.Object)
        {
            Fail(trigger, $"\"trigger\" must be an object such as {{\"type\": \"interval\", \"minutes\": 5}}, not {trigger.Describe()}.");
            return null;
        }

        Trigger result;
        try
        {
            // A source of text (configuration) writes the trigger's numbers as text; they are read as the numbers they are.
            result = Trigger.FromJson(trigger.ToJsonNode(typed: true)!.ToJsonString());
        }
        catch (FormatException e)
        {
            const string Prefix = "Trigger JSON: ";
            string message = "\"trigger\": " + (e.Message.StartsWith(Prefix, StringComparison.Ordinal) ? e.Message[Prefix.Length..] : e.Message);
            PlaceTriggerError(trigger, message);
            return null;
        }

        return result is CronTrigger && trigger.Field("expression") is { Text: { } expression } at && NeverFires(result, at, expression) ? null : result;
    }

    /// <summary>
    /// Puts a trigger error where it belongs: on the first field of the trigger that the message names (its name for an unknown
    /// or repeated field, the bad token for a cron expression, else its value), or on the trigger itself.
    /// </summary>
    private void PlaceTriggerError(SchemaNode trigger, string message)
    {
        Errors++;
        SchemaNode? named = null;
        int at = int.MaxValue;
        foreach (SchemaNode field in trigger.Children)
        {
            int index = message.IndexOf($"\"{field.Key}\"", "\"trigger\": ".Length, StringComparison.Ordinal);
            if (index >= 0 && index < at)
            {
                (named, at) = (field, index);
            }
        }

        if (named is null && message.Contains("unknown type", StringComparison.Ordinal))
        {
            (trigger.Field("type") ?? trigger).Error(message);
        }
        else if (named is null)
        {
            trigger.Error(message);
        }
        else if (message.Contains("unknown field", StringComparison.Ordinal) || message.Contains("more than once", StringComparison.Ordinal))
        {
            named.ErrorAtName(message);
        }
        else if (trigger.Names.Equals(named.Key, "expression") && named.Kind is SchemaKind.String or SchemaKind.Text &&
            !ScheduleText.TryParse(named.Text!, null, null, out _, out _, out int offset))
        {
            named.ErrorAt(offset, message);
        }
        else
        {
            named.Error(message);
        }
    }

    /// <summary>A schedule that names no date that exists (<c>0 0 30 2 *</c>) is refused, as <c>Scheduler.Schedule</c> refuses it.</summary>
    private bool NeverFires(Trigger trigger, SchemaNode at, string text)
    {
        if (ScheduleText.NeverFires(trigger))
        {
            Fail(at, $"the schedule '{text}' never fires: no such date exists.");
            return true;
        }

        return false;
    }

    private (IReadOnlyList<string>? Command, bool Shell) ReadCommand(SchemaNode owner, string label, bool required)
    {
        bool shell = owner.Field("shell") is { } shellNode && Boolean(shellNode, "shell") is true;
        if (owner.Field("command") is not { } command)
        {
            if (required)
            {
                Fail(owner, $"{label} has no \"command\": give the program and its arguments, [\"tar\", \"czf\", \"/b.tgz\", \"/data\"]" +
                    (owner.Key.Length > 0 && Tasks.Count > 0 && label.StartsWith("job", StringComparison.Ordinal) ? ", or name a task with \"task\"." : "."));
            }

            return (null, shell);
        }

        switch (command.Kind)
        {
            case SchemaKind.String or SchemaKind.Text when shell:
                if (command.Text!.Trim().Length == 0)
                {
                    Fail(command, "\"command\" is empty.");
                    return (null, shell);
                }

                return ([command.Text!], shell);
            case SchemaKind.String or SchemaKind.Text:
                Fail(command, "a string \"command\" is a shell command line: add \"shell\": true, or give the argv as an array, [\"tar\", \"czf\", \"/b.tgz\"].");
                return (null, shell);
            case SchemaKind.Array when shell:
                Fail(command, "with \"shell\": true, \"command\" is one string, the command line for the shell.");
                return (null, shell);
            case SchemaKind.Array:
                var argv = new List<string>();
                int count = 0;
                foreach (SchemaNode item in command.Children)
                {
                    count++;
                    if (item.Kind is not (SchemaKind.String or SchemaKind.Text))
                    {
                        Fail(item, $"each argument of \"command\" must be a string, not {item.Describe()}.");
                    }
                    else
                    {
                        argv.Add(item.Text!);
                    }
                }

                if (count == 0 || (argv.Count > 0 && argv[0].Length == 0))
                {
                    Fail(command, "\"command\" needs a program to run as its first element.");
                    return (null, shell);
                }

                return argv.Count == count ? (argv, shell) : (null, shell);
            default:
                Fail(command, $"\"command\" must be an array of strings (argv), or a string with \"shell\": true, not {command.Describe()}.");
                return (null, shell);
        }
    }

    /// <summary>The <c>"working_dir"</c>: an empty one names no folder, so every run would fail; it is refused here instead.</summary>
    private string? ReadWorkingDirectory(SchemaNode owner)
    {
        if (owner.Field("working_dir") is not { } field || String(field, "working_dir") is not { } folder)
        {
            return null;
        }

        if (folder.Trim().Length == 0)
        {
            Fail(field, "\"working_dir\" is empty; name a folder, or leave it out to run in schedctl's folder (the user's home for a job with a user).");
            return null;
        }

        return folder;
    }

    private Dictionary<string, string> ReadEnvironment(SchemaNode owner)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (owner.Field("env") is not { } env || env.IsEmptyText)
        {
            return environment;
        }

        if (env.Kind != SchemaKind.Object)
        {
            Fail(env, $"\"env\" must be an object of strings, {{\"NAME\": \"value\"}}, not {env.Describe()}.");
            return environment;
        }

        foreach (SchemaNode variable in env.Children)
        {
            if (EnvironmentNames.Problem(variable.Key) is { } problem)
            {
                FailAtName(variable, problem);
            }
            else if (variable.Kind is not (SchemaKind.String or SchemaKind.Text))
            {
                Fail(variable, $"the value of \"{variable.Key}\" in \"env\" must be a string, not {variable.Describe()}.");
            }
            else
            {
                environment[variable.Key] = variable.Text!;
            }
        }

        return environment;
    }

    private JobOptions ReadOptions(SchemaNode job, TimeSpan? taskTimeout)
    {
        JobOptions options = JobOptions.Default;
        if (taskTimeout is { } fromTask)
        {
            options = options with { Timeout = fromTask };
        }

        if (job.Field("overlap") is { } overlapNode && String(overlapNode, "overlap") is { } overlapText)
        {
            try
            {
                options = options with { Overlap = PolicyText.ParseOverlap(overlapText) };
            }
            catch (FormatException e)
            {
                Fail(overlapNode, e.Message);
            }
        }

        if (job.Field("misfire") is { } misfireNode && String(misfireNode, "misfire") is { } misfireText)
        {
            try
            {
                options = options with { Misfire = PolicyText.ParseMisfire(misfireText) };
            }
            catch (FormatException e)
            {
                Fail(misfireNode, e.Message);
            }
        }

        if (Duration(job, "timeout", positive: true) is { } timeout)
        {
            options = options with { Timeout = timeout };
        }

        if (Duration(job, "misfire_grace", positive: false) is { } grace)
        {
            options = options with { MisfireGraceTime = grace };
        }

        if (Duration(job, "retry_delay", positive: false) is { } retryDelay)
        {
            // A retry delay longer than the default cap raises the cap rather than being cut to it.
            options = options with { RetryDelay = retryDelay, MaxRetryDelay = retryDelay > options.MaxRetryDelay ? retryDelay : options.MaxRetryDelay };
        }

        if (Integer(job, "max_attempts", 1) is { } attempts)
        {
            options = options with { MaxAttempts = attempts };
        }

        if (job.Field("recoverable") is { } recoverableNode && Boolean(recoverableNode, "recoverable") is { } recoverable)
        {
            options = options with { Recoverable = recoverable };
        }

        return options;
    }

    private TimeSpan? Duration(SchemaNode owner, string field, bool positive)
    {
        if (owner.Field(field) is not { } node || String(node, field, "a duration such as \"30s\", \"5m\" or \"1h30m\"") is not { } text)
        {
            return null;
        }

        if (!DurationText.TryParse(text, out TimeSpan value, out string? reason))
        {
            Fail(node, $"\"{field}\": the duration \"{text}\" is invalid: {reason}.");
            return null;
        }

        if (positive && value <= TimeSpan.Zero)
        {
            Fail(node, $"\"{field}\" must be a positive duration, not {text}.");
            return null;
        }

        return value;
    }

    private string? NonEmptyString(SchemaNode node, string field)
    {
        if (String(node, field) is not { } text)
        {
            return null;
        }

        if (text.Trim().Length == 0)
        {
            Fail(node, $"\"{field}\" is empty.");
            return null;
        }

        return text;
    }

    private string? String(SchemaNode node, string field, string what = "a string")
    {
        if (node.Kind == SchemaKind.Null)
        {
            return null;
        }

        if (node.Kind is not (SchemaKind.String or SchemaKind.Text))
        {
            Fail(node, $"\"{field}\" must be {what}, not {node.Describe()}.");
            return null;
        }

        return node.Text;
    }

    private int? Integer(SchemaNode owner, string field, int min)
    {
        if (owner.Field(field) is not { } node || node.Kind == SchemaKind.Null)
        {
            return null;
        }

        if (node.Kind is not (SchemaKind.Number or SchemaKind.Text)
            || !int.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int number) || number < min)
        {
            string what = string.Create(CultureInfo.InvariantCulture, $"a whole number, {min} or more");
            Fail(node, $"\"{field}\" must be {what}, not {(node.Kind is SchemaKind.Number or SchemaKind.Text ? node.Text : node.Describe())}.");
            return null;
        }

        return number;
    }

    private bool? Boolean(SchemaNode node, string field)
    {
        if (node.Kind == SchemaKind.Null)
        {
            return null;
        }

        bool? value = node.Kind switch
        {
            SchemaKind.Boolean => node.Text == "true",
            SchemaKind.Text when bool.TryParse(node.Text, out bool flag) => flag,
            _ => null,
        };
        if (value is null)
        {
            Fail(node, $"\"{field}\" must be true or false, not {node.Describe()}.");
        }

        return value;
    }

    /// <summary>The message for a field nobody reads: almost always a typo, which would otherwise be ignored in silence.</summary>
    public static string UnknownField(string name, string[] known, string where) =>
        Names.Closest(name, known) is { } closest
            ? $"unknown field \"{name}\" in {where}; did you mean \"{closest}\"?"
            : $"unknown field \"{name}\" in {where}; known fields are {string.Join(", ", known)}.";

    private void Fail(SchemaNode node, string message)
    {
        Errors++;
        node.Error(message);
    }

    private void FailAtName(SchemaNode node, string message)
    {
        Errors++;
        node.ErrorAtName(message);
    }
}
