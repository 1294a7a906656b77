namespace Codomyrmex.Scheduler;

/// <summary>An immutable snapshot of a scheduled job.</summary>
/// <remarks>
/// A snapshot never changes: <see cref="Scheduler.GetJob"/> returns a new one each time, so reading it from any thread
/// is safe and it never shows a half-updated state.
/// </remarks>
public sealed record Job
{
    internal static readonly IReadOnlyDictionary<string, object?> NoKwargs = new Dictionary<string, object?>();

    /// <summary>Gets the unique, URL-safe identifier the scheduler gave the job.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the human-readable name; by default the name of the job's method.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the delegate the job runs, or <see langword="null"/> for a job that runs a registered task.</summary>
    public Delegate? Func { get; init; }

    /// <summary>Gets the name of the registered task the job runs, or <see langword="null"/> for a delegate job.</summary>
    public string? Task { get; init; }

    /// <summary>Gets the positional arguments passed to the job in <see cref="JobContext.Args"/>.</summary>
    public IReadOnlyList<object?> Args { get; init; } = [];

    /// <summary>Gets the keyword arguments passed to the job in <see cref="JobContext.Kwargs"/>.</summary>
    public IReadOnlyDictionary<string, object?> Kwargs { get; init; } = NoKwargs;

    /// <summary>Gets the trigger, with its anchor and zone bound at scheduling; <see langword="null"/> for a job that runs once, as soon as possible.</summary>
    public Trigger? Trigger { get; init; }

    /// <summary>Gets the lifecycle status.</summary>
    public JobStatus Status { get; init; }

    /// <summary>Gets when the job was scheduled.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the last run started, or <see langword="null"/> if the job has not run.</summary>
    /// <remarks>
    /// Set when a run is claimed. A run given back unstarted by a stopping scheduler (<see cref="Storage.IJobStore.ReleaseRunsAsync"/>)
    /// leaves its claim's time here: the earlier value is not restored, since the claim does not carry it.
    /// </remarks>
    public DateTimeOffset? LastRun { get; init; }

    /// <summary>Gets when the job runs next, or <see langword="null"/> if no run remains.</summary>
    public DateTimeOffset? NextRun { get; init; }

    /// <summary>Gets the number of successful runs.</summary>
    public int RunCount { get; init; }

    /// <summary>Gets the most runs the job may make, failed ones included, or <see langword="null"/> for no limit.</summary>
    public int? MaxRuns { get; init; }

    /// <summary>Gets the value the last successful run returned.</summary>
    public object? Result { get; init; }

    /// <summary>Gets the last run's error as <c>Type: message</c>, or <see langword="null"/> after a success.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the number of failed runs (a run that succeeds on a retry is not a failure, nor is one a shutdown interrupted; a run lost with its node is).</summary>
    public int FailureCount { get; init; }

    /// <summary>Gets how long the last run took, or <see langword="null"/> if the job has not run.</summary>
    public TimeSpan? LastDuration { get; init; }

    /// <summary>Gets the job's overlap, misfire, retry and timeout policies.</summary>
    public JobOptions Options { get; init; } = JobOptions.Default;

    /// <summary>Gets the number of runs in progress (more than one only with <see cref="OverlapPolicy.Allow"/>).</summary>
    public int ActiveRuns { get; init; }

    /// <summary>Gets a value indicating whether the job is paused: it keeps its schedule but fires nothing until it is resumed.</summary>
    /// <remarks>
    /// A flag beside <see cref="Status"/> rather than a status of its own: a paused job is still <see cref="JobStatus.Pending"/>
    /// (or <see cref="JobStatus.Running"/> while a run that started before the pause finishes), so every reader of the five
    /// statuses keeps working, and resuming returns it to exactly where it was. See <see cref="Scheduler.PauseAsync"/>.
    /// </remarks>
    public bool IsPaused { get; init; }

    /// <summary>Gets when the job became completed, failed or cancelled (by the store's clock), or <see langword="null"/> while it may still run.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets where a declared job came from (a jobs file, a configuration section), or <see langword="null"/> for a job scheduled in code.</summary>
    /// <remarks><see cref="Scheduler.ReconcileAsync"/> adds, updates and cancels only the jobs of the source it is given.</remarks>
    public string? Source { get; init; }

    /// <summary>Gets the store's version of the job, which changes with every update (for optimistic concurrency).</summary>
    public long Version { get; init; }
}
