using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Cli.Schedules;

namespace Codomyrmex.Scheduler.Mcp.Internal;

internal sealed partial class SchedulerToolset
{
    private ValueTask<JsonObject> ListTasksAsync(ToolArguments arguments, CancellationToken cancellationToken) => Answer(new JsonObject
    {
        ["tasks"] = new JsonArray([.. _options.Tasks.Select(task => (JsonNode)new JsonObject
        {
            ["name"] = task.Name,
            ["description"] = task.Description,
            ["takes_args"] = task.TakesArgs,
            ["args_may_be_options"] = task.TakesArgs && task.ArgsMayBeOptions,
            ["kwargs"] = new JsonArray([.. task.Kwargs.Select(name => (JsonNode)name)]),
        })]),
    });

    private ValueTask<JsonObject> ExplainCronAsync(ToolArguments arguments, CancellationToken cancellationToken)
    {
        string text = arguments.RequiredString("expression", 256);
        int count = arguments.OptionalInteger("count", 1, 50) ?? 5;
        TimeZoneInfo zone = TriggerReader.Zone(arguments.OptionalString("time_zone", 64), _options);
        CronExpression expression = TriggerReader.ParseCron(text);
        var next = new JsonArray();
        DateTimeOffset after = _scheduler.TimeProvider.GetUtcNow();
        while (next.Count < count && expression.GetNextOccurrence(after, zone) is { } occurrence)
        {
            next.Add((JsonNode)Texts.Time(occurrence, zone));
            after = occurrence;
        }

        return Answer(new JsonObject
        {
            ["expression"] = text,
            ["description"] = Explainer.Explain(text.Trim(), expression.Format),
            ["time_zone"] = zone.Id,
            ["next_runs"] = next,
        });
    }
}
