// `dotnet run --project samples/AspNetCore`, then open http://localhost:5080/jobs and http://localhost:5080/health.
using Codomyrmex.Scheduler;

WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddScheduler()
    .AddTask<ReportTask, string>("report")
    .AddTask("flaky", (_, context, _) => context.Attempt < 2 ? throw new InvalidOperationException("the first attempt always fails") : Task.CompletedTask)
    .AddHealthCheck(health => health.FailedRunsThreshold = 3);

WebApplication app = builder.Build();
app.MapHealthChecks("/health");
app.MapGet("/jobs", async (Scheduler scheduler, CancellationToken cancellationToken) =>
    (await scheduler.ListJobsAsync(default, cancellationToken)).Items.Select(job => new
    {
        job.Id,
        job.Name,
        job.Task,
        Status = job.Status.ToString(),
        Trigger = job.Trigger?.ToString(),
        job.NextRun,
        job.LastRun,
        job.RunCount,
        job.FailureCount,
        job.Error,
        Result = job.Result?.ToString(),
    }));
app.MapGet("/", () => Results.Redirect("/jobs"));
await app.RunAsync();

/// <summary>A task with a result: the result becomes the job's Result and is kept in its run history.</summary>
internal sealed class ReportTask(TimeProvider clock) : IJobTask<string>
{
    public Task<string> ExecuteAsync(JobContext context, CancellationToken cancellationToken) =>
        Task.FromResult($"report at {clock.GetLocalNow():T} for {context.JobName}");
}
