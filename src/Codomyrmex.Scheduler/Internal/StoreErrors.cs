namespace Codomyrmex.Scheduler.Internal;

/// <summary>Errors every store reports in the same words, so a caller sees one message whatever keeps the job.</summary>
internal static class StoreErrors
{
    /// <summary>Deleting a job whose run is in progress: its outcome must never be recorded against a job that is gone.</summary>
    public static InvalidOperationException DeleteWhileRunning(string id, string name) => new(
        $"Job '{id}' ({name}) has a run in progress, so it cannot be deleted: cancel it, and delete it once the run has ended.");
}
