using Codomyrmex.Scheduler.Mcp.Internal;
using ModelContextProtocol.Server;

namespace Codomyrmex.Scheduler.Mcp;

/// <summary>Creates the scheduler's MCP tools, for an MCP server built by hand (stdio, or any transport of the SDK).</summary>
/// <remarks>
/// The tools are <c>schedule_job</c>, <c>list_jobs</c>, <c>cancel_job</c>, <c>job_status</c>, <c>run_job_now</c>,
/// <c>job_history</c>, <c>list_tasks</c>, <c>explain_cron</c>, <c>pause_job</c> and <c>resume_job</c>. Each reads its
/// arguments as JSON and checks them itself, so every refusal is an <c>{"error": "..."}</c> answer naming the bad value,
/// and every answer carries the same JSON as text and as structured content. In an ASP.NET Core app,
/// <c>services.AddSchedulerMcp()</c> and <c>app.MapSchedulerMcp()</c> do this for you.
/// </remarks>
public static class SchedulerMcpTools
{
    /// <summary>Creates the tools over a scheduler.</summary>
    /// <param name="scheduler">The scheduler the tools act on; its registered tasks run the jobs the tools create.</param>
    /// <param name="options">The tasks a caller may schedule and the limits; <see cref="SchedulerMcpOptions.Scheduler"/> is not read.</param>
    /// <returns>The tools, to add to an MCP server's tool collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are not valid (<see cref="SchedulerMcpOptions.Validate"/>); the message lists every problem.</exception>
    public static IReadOnlyList<McpServerTool> Create(Scheduler scheduler, SchedulerMcpOptions options) =>
        new SchedulerToolset(scheduler, options).CreateTools();
}
