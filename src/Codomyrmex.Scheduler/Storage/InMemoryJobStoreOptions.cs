using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>How an <see cref="InMemoryJobStore"/> is built: its clock, its history and its retention.</summary>
public sealed class InMemoryJobStoreOptions
{
    /// <summary>Gets or sets the store's clock: the clock of record for what is due, leases, node liveness, <see cref="Job.FinishedAt"/> and retention.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>. A scheduler that makes its own store passes its own clock.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets how much run history each job keeps.</summary>
    /// <value>The default is <see cref="RunHistoryOptions.Default"/>.</value>
    public RunHistoryOptions History { get; set; } = RunHistoryOptions.Default;

    /// <summary>Gets or sets how long finished jobs and history are kept.</summary>
    /// <value>The default is <see cref="JobRetentionOptions.Default"/>: finished jobs for 7 days.</value>
    public JobRetentionOptions Retention { get; set; } = JobRetentionOptions.Default;

    /// <summary>Gets or sets where the store logs what it cannot report to a caller, such as a <c>Changed</c> handler that threw.</summary>
    /// <value>The default is <see langword="null"/>: nothing is logged.</value>
    public ILogger? Logger { get; set; }

    /// <summary>Lists what is wrong with these options, naming each bad value.</summary>
    /// <returns>The problems; empty if the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (TimeProvider is null)
        {
            errors.Add("TimeProvider is null; use TimeProvider.System or a FakeTimeProvider.");
        }

        if (History is null)
        {
            errors.Add("History is null; use RunHistoryOptions.Default.");
        }
        else
        {
            errors.AddRange(History.Validate());
        }

        if (Retention is null)
        {
            errors.Add("Retention is null; use JobRetentionOptions.Default.");
        }
        else
        {
            errors.AddRange(Retention.Validate());
        }

        return errors;
    }
}
