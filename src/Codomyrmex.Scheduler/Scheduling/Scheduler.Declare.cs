using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>Adds one job of a source, unless a live job of that source already has its name.</summary>
    /// <param name="source">Who declares the job (for example <c>"mcp"</c>); stored as <see cref="Job.Source"/>.</param>
    /// <param name="definition">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job added, or the live job of the same source and name that prevented it (<see cref="AddJobResult.Added"/> is <see langword="false"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="definition"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="source"/> is empty, the definition names a task that is not registered, has a trigger that never fires,
    /// has invalid options, or has arguments nested more than 64 levels deep.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The definition's <see cref="JobDefinition.MaxRuns"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    /// <remarks>
    /// Unlike <see cref="ReconcileAsync"/>, it neither updates nor removes other jobs of the source: a caller that adds jobs
    /// one at a time (an agent through MCP) marks them as its own, so it can count them and no reconcile of another source
    /// ever removes them.
    /// </remarks>
    public ValueTask<AddJobResult> AddDeclaredJobAsync(string source, JobDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(definition);
        ThrowIfDisposed();
        ThrowIfUnknownTask(definition.Task, nameof(definition));
        Job job = NewJob(definition.Name, definition.Trigger, definition.MaxRuns, definition.Options, StoreNow) with
        {
            Task = definition.Task,
            Args = JsonArguments.Positional(definition.Args),
            Kwargs = JsonArguments.Keyword(definition.Kwargs),
            Source = source,
        };
        return AddJobCoreAsync(job, definition.Trigger, cancellationToken);
    }
}
