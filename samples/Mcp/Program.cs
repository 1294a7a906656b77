using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Mcp;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

builder.Services.AddScheduler().AddTask("report", (services, context, ct) => Reports.BuildAsync(context, ct));
builder.Services.AddSchedulerMcp(mcp =>
{
    mcp.Tasks.Add(new SchedulerMcpTask { Name = "report", Description = "Builds the sales report.", TakesArgs = true });
    mcp.AccessToken = builder.Configuration["Mcp:Token"]     // or AllowAnonymous = true with .RequireAuthorization()
        ?? throw new InvalidOperationException("Set Mcp:Token: the MCP endpoint runs jobs.");
});

WebApplication app = builder.Build();
app.MapSchedulerMcp("/mcp");                              // throws at map time when there is no token and no AllowAnonymous

await app.RunAsync();

/// <summary>The app's own work: what the "report" task does.</summary>
internal static class Reports
{
    public static Task BuildAsync(JobContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine($"Building the report for {string.Join(", ", context.Args)}");
        return Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, cancellationToken);
    }
}
