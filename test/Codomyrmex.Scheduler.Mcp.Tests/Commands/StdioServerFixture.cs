namespace Codomyrmex.Scheduler.Mcp.Tests.Commands;

/// <summary>One <c>schedctl mcp</c> on stdio shared by the tests of a class (each schedules jobs of its own names).</summary>
public sealed class StdioServerFixture : IAsyncLifetime
{
    internal McpServerProcess Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await McpServerProcess.StartAsync(TestJobs.Tasks);

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
