// The README's "Hosting" example (keep the two in step), plus OpenTelemetry: `dotnet run --project samples/WorkerService`
// prints the runs' logs, one trace per run, and every 10 seconds the scheduler's metrics. Ctrl+C stops it gracefully.
using Codomyrmex.Scheduler;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// The content root is the output folder, where appsettings.json is copied, wherever `dotnet run` starts from.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// README: hosting
builder.Services.AddScoped<Mailbox>();                       // a scoped service: one per run
builder.Services.AddScheduler(options => options.MaxWorkers = 2)
    .AddTask<CleanupTask>("cleanup")                         // jobs in appsettings.json name their task
    .AddTask("heartbeat", async (services, context, cancellationToken) =>  // a delegate, with the run's scoped services
        await services.GetRequiredService<Mailbox>().SendAsync($"{context.JobName} at {context.FireTime:T}", cancellationToken))
    .UseSqliteStore("scheduler.db")                          // durable: jobs and history survive restarts
    .AddHealthCheck();
// end README: hosting

builder.Services.AddOpenTelemetry()
    .WithMetrics(metrics => metrics.AddMeter("Codomyrmex.Scheduler")
        .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000))
    .WithTracing(tracing => tracing.AddSource("Codomyrmex.Scheduler").AddConsoleExporter());

await builder.Build().RunAsync();

// README: hosting (continued)
// A task class (or IJobTask<TResult>, added with AddTask<TTask, TResult>), resolved from a new scope for each run.
internal sealed class CleanupTask(Mailbox mailbox) : IJobTask
{
    public async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        string folder = context.Args.Count > 0 ? context.Args[0]?.ToString() ?? "." : ".";   // args come as JSON from appsettings.json
        await Task.Delay(TimeSpan.FromMilliseconds(200), context.TimeProvider, cancellationToken);
        await mailbox.SendAsync($"{context.JobName} cleaned {folder}", cancellationToken);
    }
}
// end README: hosting

/// <summary>Stands for a DbContext or another scoped service: a new one for each run, disposed when the run ends.</summary>
internal sealed class Mailbox : IDisposable
{
    private readonly Guid _id = Guid.NewGuid();

    public async Task SendAsync(string message, CancellationToken cancellationToken) =>
        await Console.Out.WriteLineAsync($"[mailbox {_id.ToString()[..8]}] {message}".AsMemory(), cancellationToken);

    public void Dispose() => Console.WriteLine($"[mailbox {_id.ToString()[..8]}] disposed");
}
