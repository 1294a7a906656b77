using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Mcp;
using Codomyrmex.Scheduler.Mcp.Internal;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the scheduler's MCP tools to an app's services.</summary>
public static class SchedulerMcpServiceCollectionExtensions
{
    /// <summary>Adds an MCP server over Streamable HTTP with the scheduler's tools; map it with <c>app.MapSchedulerMcp()</c>.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Declares the tasks a caller may schedule, the limits and the access token.</param>
    /// <returns>The SDK's builder, to add more tools or change the transport.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <remarks>
    /// The tools act on <see cref="SchedulerMcpOptions.Scheduler"/>, else on the <see cref="Scheduler"/> of the app's services
    /// (the one <c>AddScheduler</c> registers). The options are validated when the first tool is created, listing every problem.
    /// </remarks>
    public static IMcpServerBuilder AddSchedulerMcp(this IServiceCollection services, Action<SchedulerMcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<SchedulerMcpOptions> options = services.AddOptions<SchedulerMcpOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.Validate().Count == 0, "The scheduler's MCP options are not valid.");
        services.AddSingleton(provider =>
        {
            SchedulerMcpOptions value = provider.GetRequiredService<IOptions<SchedulerMcpOptions>>().Value;
            return new SchedulerToolset(value.Scheduler ?? provider.GetRequiredService<Scheduler>(), value);
        });
        services.AddSingleton(provider => provider.GetRequiredService<SchedulerToolset>().CreateTools());
        for (int i = 0; i < SchedulerToolset.ToolCount; i++)
        {
            int index = i;
            services.AddSingleton(provider => provider.GetRequiredService<IReadOnlyList<McpServerTool>>()[index]);
        }

        return services.AddMcpServer().WithHttpTransport();
    }
}
