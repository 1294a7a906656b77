using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Mcp;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

builder.Services.AddScheduler().AddTask("report", (services, context, ct) => Reports.BuildAsync(context, ct));
builder.Services.AddSchedulerMcp(mcp =>
{
    mcp.Tasks.Add(new SchedulerMcpTask { Name = "report", Description = "Builds the sales report.", TakesArgs = true });
    mcp.AccessToken = builder.Configuration["Mcp:Token"];   // or leave null and use the app's own authorization
});

WebApplication app = builder.Build();
app.MapSchedulerMcp("/mcp");                              // returns the endpoint builder: .RequireAuthorization(...) works

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
