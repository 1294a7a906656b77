using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Mcp.Internal;

internal sealed partial class SchedulerToolset
{
    /// <summary>
    /// <c>schedule_job</c>: every field is checked before anything is added, so a refused call leaves nothing behind; the job
    /// is marked with the options' source, which the cap counts.
    /// </summary>
    private async ValueTask<JsonObject> ScheduleJobAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        string name = arguments.RequiredString("name", _options.MaxNameLength);
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl))
        {
            throw new ToolError("\"name\" is empty or holds a control character (a line break, tab or escape).");
        }

        string taskName = arguments.RequiredString("task", 256);
        if (!_tasks.TryGetValue(taskName, out SchedulerMcpTask? task))
        {
            throw new ToolError($"Unknown task: {Texts.Clip(taskName)}");
        }

        string type = arguments.RequiredString("trigger_type", 32);
        Trigger trigger = TriggerReader.Read(type, arguments.OptionalElement("trigger_config"), _options, _scheduler.TimeProvider.GetUtcNow());
        int? maxRuns = arguments.OptionalInteger("max_runs", 1, _options.MaxRunsLimit);
        (JsonArray args, JsonObject kwargs) = Arguments(task, arguments.OptionalElement("args"), arguments.OptionalElement("kwargs"));

        JobDefinition definition;
        try
        {
            definition = task.CreateJob is { } create
                ? create(new SchedulerMcpJobRequest(task, name, trigger, args, kwargs, maxRuns))
                : new JobDefinition { Name = name, Task = task.Name, Trigger = trigger, Args = args, Kwargs = kwargs, MaxRuns = maxRuns };
        }
        catch (ArgumentException e)
        {
            throw new ToolError(e.Message);
        }

        await _scheduling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int live = await CountLiveAsync(cancellationToken).ConfigureAwait(false);
            if (live >= _options.MaxJobs)
            {
                throw new ToolError(string.Create(CultureInfo.InvariantCulture,
                    $"This server allows at most {_options.MaxJobs} live jobs created through MCP, and {live} are pending or running; cancel one first."));
            }

            AddJobResult result;
            try
            {
                result = await _scheduler.AddDeclaredJobAsync(_options.Source, definition, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                // The trigger never fires from now, or the task is not registered on this scheduler.
                throw new ToolError(e.Message);
            }

            if (!result.Added)
            {
                throw new ToolError($"A live job named '{Texts.Clip(name)}' exists already ({result.Job.Id}); cancel it first or choose another name.");
            }

            Job job = result.Job;
            return new JsonObject
            {
                ["job_id"] = job.Id,
                ["name"] = job.Name,
                ["next_run"] = job.NextRun is { } next ? Texts.Time(next) : null,
                ["status"] = JobJson.Status(job.Status),
            };
        }
        finally
        {
            _scheduling.Release();
        }
    }

    private static readonly JobStatus[] LiveStatuses = [JobStatus.Pending, JobStatus.Running];

    /// <summary>The live (pending or running) jobs created through MCP, counted by the store without reading them.</summary>
    private async ValueTask<int> CountLiveAsync(CancellationToken cancellationToken)
    {
        int count = 0;
        foreach (JobStatus status in LiveStatuses)
        {
            JobPage page = await _scheduler.ListJobsAsync(new JobQuery { Status = status, Source = _options.Source, Limit = 0 }, cancellationToken).ConfigureAwait(false);
            count += page.Total;
        }

        return count;
    }

    /// <summary>The call's args and kwargs, within the size and depth limits and the task's rules.</summary>
    private (JsonArray Args, JsonObject Kwargs) Arguments(SchedulerMcpTask task, JsonElement? args, JsonElement? kwargs)
    {
        if (args is { ValueKind: not JsonValueKind.Array } notArray)
        {
            throw new ToolError($"\"args\" must be an array, not {ToolArguments.Describe(notArray)}.");
        }

        if (kwargs is { ValueKind: not JsonValueKind.Object } notObject)
        {
            throw new ToolError($"\"kwargs\" must be an object, not {ToolArguments.Describe(notObject)}.");
        }

        int length = (args?.GetRawText().Length ?? 0) + (kwargs?.GetRawText().Length ?? 0);
        if (length > _options.MaxArgumentsLength)
        {
            throw new ToolError(string.Create(CultureInfo.InvariantCulture,
                $"\"args\" and \"kwargs\" are {length} characters of JSON; at most {_options.MaxArgumentsLength} are allowed."));
        }

        foreach ((string field, JsonElement? value) in new[] { ("args", args), ("kwargs", kwargs) })
        {
            if (value is { } present && Depth(present, _options.MaxArgumentsDepth + 1) > _options.MaxArgumentsDepth)
            {
                throw new ToolError(string.Create(CultureInfo.InvariantCulture,
                    $"\"{field}\" nests arrays and objects more than {_options.MaxArgumentsDepth} levels deep."));
            }
        }

        if (args is { } given && given.GetArrayLength() > 0 && !task.TakesArgs)
        {
            throw new ToolError($"Task '{task.Name}' takes no arguments, so \"args\" must be empty; list_tasks says what each task takes.");
        }

        if (kwargs is { } named)
        {
            foreach (JsonProperty property in named.EnumerateObject())
            {
                string keyword = ToolArguments.Name(property, "\"kwargs\"");
                if (!task.Kwargs.Contains(keyword, StringComparer.Ordinal))
                {
                    throw new ToolError(task.Kwargs.Count == 0
                        ? $"Task '{task.Name}' takes no keyword arguments, so \"kwargs\" must be empty."
                        : $"Task '{task.Name}' takes no keyword argument \"{Texts.Clip(keyword)}\"; it takes {string.Join(", ", task.Kwargs)}.");
                }
            }
        }

        if (ArgumentRules.Problem(task, args, kwargs) is { } problem)
        {
            throw new ToolError(problem);
        }

        // Parsed again from the text, so the job owns its nodes and keeps nothing of the request's document.
        return (args is { } a ? JsonNode.Parse(a.GetRawText())!.AsArray() : [], kwargs is { } k ? JsonNode.Parse(k.GetRawText())!.AsObject() : []);
    }

    /// <summary>How deeply a value nests (a scalar is 0, an array of scalars 1), counted no further than <paramref name="stop"/>.</summary>
    private static int Depth(JsonElement value, int stop)
    {
        if (stop <= 0)
        {
            return 0;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Array => 1 + value.EnumerateArray().Select(item => Depth(item, stop - 1)).DefaultIfEmpty(0).Max(),
            JsonValueKind.Object => 1 + value.EnumerateObject().Select(item => Depth(item.Value, stop - 1)).DefaultIfEmpty(0).Max(),
            _ => 0,
        };
    }
}
