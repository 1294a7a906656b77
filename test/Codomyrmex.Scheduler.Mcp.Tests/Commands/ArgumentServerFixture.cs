namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary>
/// One <c>schedctl mcp</c> on stdio whose tasks take arguments: <c>files</c> (no options), <c>grep</c>
/// (<c>"args_may_be_options": true</c>), each printing its argv and the keyword MODE one per line.
/// </summary>
public sealed class ArgumentServerFixture : IAsyncLifetime
{
    public const string Jobs = """
        {
          "tasks": {
            "files": {"command": ["sh", "-c", "printf '[%s]\\n' \"$MODE\" \"$@\"", "files"], "takes_args": true, "kwargs": ["MODE"]},
            "grep": {"command": ["sh", "-c", "printf '[%s]\\n' \"$@\"", "grep"], "takes_args": true, "args_may_be_options": true}
          }
        }
        """;

    internal McpServerProcess Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await McpServerProcess.StartAsync(Jobs);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
