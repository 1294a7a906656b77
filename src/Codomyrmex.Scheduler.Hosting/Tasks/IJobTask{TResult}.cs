namespace Codomyrmex.Scheduler;

/// <summary>A task written as a class whose result becomes the job's <see cref="Job.Result"/> and is kept in its run history.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
/// <remarks>Register it with <c>services.AddScheduler().AddTask&lt;TTask, TResult&gt;("name")</c>; see <see cref="IJobTask"/>.</remarks>
public interface IJobTask<TResult>
{
    /// <summary>Runs the task once.</summary>
    /// <param name="context">The run: the job's name and id, its JSON arguments, the scheduled time, the attempt and the clock.</param>
    /// <param name="cancellationToken">Cancelled when the run should stop.</param>
    /// <returns>The run's result; an exception fails the run.</returns>
    Task<TResult> ExecuteAsync(JobContext context, CancellationToken cancellationToken);
}
