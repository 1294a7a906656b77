using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>
/// One tool: its name, description and hand-written input schema, and a handler that reads the arguments itself. Every answer
/// carries the same JSON as text and as structured content; every refusal is <c>{"error": "..."}</c> with
/// <c>isError</c> set, never an exception's stack trace.
/// </summary>
internal sealed class SchedulerTool : McpServerTool
{
    private readonly Func<ToolArguments, CancellationToken, ValueTask<JsonObject>> _handler;
    private readonly IReadOnlyCollection<string> _fields;

    public SchedulerTool(string name, string description, string inputSchema, bool readOnly, bool destructive,
        Func<ToolArguments, CancellationToken, ValueTask<JsonObject>> handler)
    {
        _handler = handler;
        using JsonDocument schema = JsonDocument.Parse(inputSchema);
        _fields = schema.RootElement.TryGetProperty("properties", out JsonElement properties)
            ? [.. properties.EnumerateObject().Select(p => p.Name)]
            : [];
        ProtocolTool = new Tool
        {
            Name = name,
            Description = description,
            InputSchema = schema.RootElement.Clone(),
            Annotations = new ToolAnnotations { ReadOnlyHint = readOnly, DestructiveHint = destructive, OpenWorldHint = false },
        };
    }

    public override Tool ProtocolTool { get; }

    public override IReadOnlyList<object> Metadata => [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        JsonObject answer;
        bool failed = false;
        try
        {
            answer = await _handler(new ToolArguments(request.Params?.Arguments, _fields), cancellationToken).ConfigureAwait(false);
        }
        catch (ToolError error)
        {
            (answer, failed) = (Error(error.Message), true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever went wrong inside (the store unreachable) is answered as one sanitized line, never a stack trace.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            (answer, failed) = (Error($"The scheduler could not do that: {Texts.Clip(exception.Message.Split('\n')[0])}"), true);
        }

        string text = answer.ToJsonString();
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = JsonElement.Parse(text),
            IsError = failed,
        };
    }

    public static JsonObject Error(string message) => new() { ["error"] = message };
}
