using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
            // The exception's text may name files, hosts or connection details: it goes to the server's log, never to the agent.
            string correlation = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture)[..12];
            ILogger logger = (request.Services ?? request.Server?.Services)?.GetService<ILoggerFactory>()?.CreateLogger("Codomyrmex.Scheduler.Mcp")
                ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
#pragma warning disable CA1848, CA2254 // One rare line: a cached LoggerMessage delegate buys nothing here.
            logger.LogError(exception, "MCP tool {Tool} failed (id {Correlation}).", ProtocolTool.Name, correlation);
#pragma warning restore CA1848, CA2254
            (answer, failed) = (Error($"Internal error: the scheduler could not do that; see the server's log (id {correlation})."), true);
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
