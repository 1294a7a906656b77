namespace Codomyrmex.Scheduler.Storage;

/// <summary>The errors every store reports in the same words, so a caller sees one message whatever keeps the job.</summary>
public static class StoreErrors
{
    /// <summary>Creates the error for deleting a job whose run is in progress: its outcome must never be recorded against a job that is gone.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="name">The job's name.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException DeleteWhileRunning(string id, string name) => new(
        $"Job '{id}' ({name}) has a run in progress, so it cannot be deleted: cancel it, and delete it once the run has ended.");

    /// <summary>Creates the error for adding a job whose id is taken.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="paramName">The name of the store method's job parameter.</param>
    /// <returns>The exception to throw.</returns>
    public static ArgumentException DuplicateId(string id, string paramName) => new($"A job with id '{id}' already exists.", paramName);

    /// <summary>Creates the error for running a cancelled job now (<see cref="IJobStore.ClaimNowAsync"/>).</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="name">The job's name.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException ClaimCancelled(string id, string name) =>
        new($"Job '{id}' ({name}) is cancelled; a cancelled job never runs again.");

    /// <summary>Creates the error for running a job now whose <see cref="Job.MaxRuns"/> are made or under way (<see cref="IJobStore.ClaimNowAsync"/>).</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="name">The job's name.</param>
    /// <param name="maxRuns">The job's limit.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException ClaimLimitReached(string id, string name, int? maxRuns) =>
        new($"Job '{id}' ({name}) has made or started all of its {maxRuns} runs (MaxRuns).");

    /// <summary>
    /// Creates the error for running a finished declared job now (<see cref="IJobStore.ClaimNowAsync"/>) while a newer live job has
    /// its source and name: only one pending or running job may be declared under a source and name.
    /// </summary>
    /// <param name="id">The finished job's id.</param>
    /// <param name="name">The jobs' name.</param>
    /// <param name="liveId">The id of the live job declared under the same source and name.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException ClaimNameTaken(string id, string name, string liveId) =>
        new($"Job '{id}' ({name}) is finished and job '{liveId}' now has its source and name; run '{liveId}' instead.");
}
