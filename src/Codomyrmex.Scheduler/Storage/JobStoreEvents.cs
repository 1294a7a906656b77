using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>Raises <see cref="IJobStore.Changed"/> for a store implementation, so that one failing subscriber harms no other and no write.</summary>
public static partial class JobStoreEvents
{
    /// <summary>
    /// Calls each handler of <paramref name="handler"/> in turn; an exception a handler throws is logged and does not reach the
    /// store's caller, its change listener or the handlers after it (a change is raised after its write committed).
    /// </summary>
    /// <param name="handler">The event's handlers; <see langword="null"/> when nobody subscribed.</param>
    /// <param name="sender">The store.</param>
    /// <param name="change">The change.</param>
    /// <param name="logger">Where a handler's exception is logged.</param>
    public static void Raise(EventHandler<JobStoreChange>? handler, object sender, JobStoreChange change, ILogger logger)
    {
        if (handler is null)
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(logger);
        // Enumerated in place: GetInvocationList would allocate an array on every change of every store.
        foreach (EventHandler<JobStoreChange> each in Delegate.EnumerateInvocationList(handler))
        {
            try
            {
                each(sender, change);
            }
            catch (Exception e)
            {
                LogHandlerFailed(logger, e, change.Kind, change.JobId);
            }
        }
    }

    [LoggerMessage(5000, LogLevel.Error, "A Changed handler of the job store threw on a {Kind} change of job {JobId}; the other handlers still ran.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, JobStoreChangeKind kind, string? jobId);
}
