using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Codomyrmex.Scheduler.Mcp.Tests.Tools;

/// <summary>The tools over an in-memory scheduler on a fake clock, called directly (no transport): for limits and clock rules.</summary>
internal sealed class InProcessTools : IAsyncDisposable
{
    /// <summary>A server that never runs: the request context wants one; the tools read only the call's parameters.</summary>
    private static readonly McpServer Server = McpServer.Create(new StreamServerTransport(Stream.Null, Stream.Null), new McpServerOptions());

    public InProcessTools(Action<SchedulerMcpOptions>? configure = null)
    {
        Scheduler = new Scheduler(new SchedulerOptions { TimeProvider = Clock, TimeZone = TimeZoneInfo.Utc });
        Scheduler.RegisterTask("report", () => { });
        var options = new SchedulerMcpOptions();
        options.Tasks.Add(new SchedulerMcpTask { Name = "report", Description = "Writes the report.", TakesArgs = true, Kwargs = ["format"] });
        configure?.Invoke(options);
        Tools = SchedulerMcpTools.Create(Scheduler, options).ToDictionary(tool => tool.ProtocolTool.Name);
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public Scheduler Scheduler { get; }

    public IReadOnlyDictionary<string, McpServerTool> Tools { get; }

    public Task<(JsonElement Json, bool IsError)> CallAsync(string tool, string argumentsJson) => CallAsync(Tools[tool], argumentsJson);

    /// <summary>Calls one tool with arguments written as JSON, as a server would, and returns its structured answer.</summary>
    public static async Task<(JsonElement Json, bool IsError)> CallAsync(McpServerTool tool, string argumentsJson)
    {
        using JsonDocument document = JsonDocument.Parse(argumentsJson);
        var request = new RequestContext<CallToolRequestParams>(Server, new JsonRpcRequest { Method = "tools/call" }, new CallToolRequestParams
        {
            Name = tool.ProtocolTool.Name,
            Arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
        });
        CallToolResult result = await tool.InvokeAsync(request, TestContext.Current.CancellationToken);
        return (result.StructuredContent!.Value, result.IsError == true);
    }

    public async Task<string> ScheduleAsync(string name, string trigger = """ "trigger_type": "interval", "trigger_config": {"hours": 1} """)
    {
        (JsonElement json, bool isError) = await CallAsync("schedule_job", $$"""{"name": "{{name}}", "task": "report", {{trigger}}}""");
        Assert.False(isError, json.GetRawText());
        return json.GetProperty("job_id").GetString()!;
    }

    public ValueTask DisposeAsync() => Scheduler.DisposeAsync();
}
