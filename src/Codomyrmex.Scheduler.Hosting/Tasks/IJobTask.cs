namespace Codomyrmex.Scheduler;

/// <summary>A task written as a class: resolved from a new dependency-injection scope for each run.</summary>
/// <remarks>
/// Register it with <c>services.AddScheduler().AddTask&lt;TTask&gt;("name")</c>. Each run gets its own scope, so the task
/// may take scoped services (a <c>DbContext</c>) in its constructor; the scope, the task and those services are disposed
/// when the run ends. The token is cancelled when the job is cancelled, times out, or the host shuts down past its timeout.
/// </remarks>
public interface IJobTask
{
    /// <summary>Runs the task once.</summary>
    /// <param name="context">The run: the job's name and id, its JSON arguments, the scheduled time, the attempt and the clock.</param>
    /// <param name="cancellationToken">Cancelled when the run should stop.</param>
    /// <returns>A task that completes when the run is done; an exception fails the run.</returns>
    Task ExecuteAsync(JobContext context, CancellationToken cancellationToken);
}
