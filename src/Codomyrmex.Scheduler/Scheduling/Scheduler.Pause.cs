namespace Codomyrmex.Scheduler;

/// <summary>Pausing, resuming and deleting jobs.</summary>
public sealed partial class Scheduler
{
    /// <summary>Pauses a job: it keeps its schedule and fires nothing until <see cref="ResumeAsync"/>.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> if the job exists (also when it was already paused, or is finished); <see langword="false"/> otherwise.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <remarks>
    /// <para>
    /// A run in progress is not stopped: it finishes, and the job fires nothing after it. A queued run or a pending retry waits
    /// for the resume too. <see cref="RunNowAsync"/> still runs a paused job (an operator's explicit request), outside its
    /// schedule as always. The job's <see cref="Job.Status"/> does not change; <see cref="Job.IsPaused"/> says it is paused.
    /// </para>
    /// <para>
    /// A completed, failed or cancelled job has nothing left to pause: pausing it changes nothing and returns
    /// <see langword="true"/>, as cancelling a cancelled job does. Cancelling a paused job cancels it (and it is no longer paused).
    /// </para>
    /// </remarks>
    public async ValueTask<bool> PauseAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await _store.SetPausedAsync(id, paused: true, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Resumes a paused job.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> if the job exists (also when it was not paused); <see langword="false"/> otherwise.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <remarks>
    /// Occurrences that came due while the job was paused are treated as missed, exactly as if the scheduler had been
    /// stopped meanwhile: the one that is late by no more than <see cref="JobOptions.MisfireGraceTime"/> runs as usual;
    /// otherwise the job's <see cref="JobOptions.Misfire"/> policy decides: <see cref="MisfirePolicy.RunOnce"/> (the default)
    /// runs once now for all of them, <see cref="MisfirePolicy.Skip"/> goes on with the next future occurrence, and
    /// <see cref="MisfirePolicy.RunAll"/> catches up each.
    /// </remarks>
    public async ValueTask<bool> ResumeAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (await _store.SetPausedAsync(id, paused: false, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        SignalChange();
        return true;
    }

    /// <summary>Deletes a job and its run history.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> if the job was deleted; <see langword="false"/> if there is none with that id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <exception cref="InvalidOperationException">
    /// A run of the job is in progress. A delete never cancels a run by itself: cancel the job (which cancels the run's
    /// token), and delete it once the run has ended and its outcome is recorded.
    /// </exception>
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _store.DeleteAsync(id, cancellationToken);
    }
}
