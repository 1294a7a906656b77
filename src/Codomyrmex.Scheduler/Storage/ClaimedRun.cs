using System.Diagnostics.CodeAnalysis;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>A run that a node has claimed and must now execute and complete.</summary>
/// <remarks>
/// The store makes one for each claim (<see cref="IJobStore.ClaimDueAsync"/>, <see cref="IJobStore.ClaimNowAsync"/>). Every
/// time in it is the store's: a node compares it with nothing on its own clock. The run is held by
/// <see cref="InstanceId"/> until <see cref="LeaseUntil"/> unless the node renews it (<see cref="IJobStore.RenewAsync"/>);
/// <see cref="FencingToken"/> identifies this claim, so a completion or renewal of an older claim of the same run is refused.
/// </remarks>
public sealed class ClaimedRun
{
    // A run is made per claim, and this object is most of what a run allocates: its times are kept as UTC ticks and an
    // offset in minutes (what a DateTimeOffset holds, in 10 bytes instead of 16), and nothing is kept that the store's entry
    // holds for good (the job's key). The in-memory store's run keeps its node's names through the node's identity.
    private readonly InMemoryJobStore? _source;
    private readonly object? _entry;
    private readonly string? _jobName;
    private readonly JobOptions? _jobOptions;
    private readonly object? _work;
    private readonly ulong _runKey;
    private readonly long _scheduledTicks;
    private readonly long _claimedAtTicks;
    private readonly long _leaseUntilTicks;
    private readonly short _scheduledOffset;
    private readonly short _claimedAtOffset;
    private readonly short _leaseUntilOffset;

    /// <summary>The node's <see cref="NodeIdentity"/> (the in-memory store's run), or the <see cref="InstanceId"/> given.</summary>
    private readonly object? _node;

    /// <summary>The <see cref="NodeName"/> given; unset in the in-memory store's run, which reads it from the identity.</summary>
    private readonly string? _nodeName;
    private string? _runId;
    private string? _jobId;
    private Job? _job;

    /// <summary>Creates a claimed run; every required member is set by the initializer.</summary>
    public ClaimedRun()
    {
    }

    /// <summary>
    /// A run of the in-memory store, which makes no <see cref="Job"/> snapshot per claim: the run carries what running it
    /// takes (the job's name, options and delegate or task, and the node's identity), and <see cref="Job"/> is made from the
    /// store when first read.
    /// </summary>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // Job is never null when read: it is made from the store then.
    internal ClaimedRun(InMemoryJobStore source, object entry, string? jobId, string jobName, JobOptions jobOptions, object? work,
        ulong runKey, NodeIdentity node)
    {
        _source = source;
        _entry = entry;
        _jobId = jobId;
        _jobName = jobName;
        _jobOptions = jobOptions;
        _work = work;
        _runKey = runKey;
        _node = node;
    }
#pragma warning restore CS8618

    /// <summary>Gets the run's unique id (see <see cref="RunIds.New"/>).</summary>
    public required string RunId
    {
        get => _runId ??= JobIds.Format(_runKey);
        init => _runId = value;
    }

    /// <summary>Gets the job the run belongs to: its definition, and its state as the store last had it.</summary>
    /// <remarks>
    /// The durable stores read it with the claim. The in-memory store makes this snapshot only when it is first read (the
    /// scheduler itself never needs it for a job that takes no <see cref="JobContext"/>), so from that store it shows the job
    /// as it is at that first read: the same definition unless the job was updated since the claim, and a state that may
    /// have moved on.
    /// </remarks>
    public required Job Job
    {
        get => Volatile.Read(ref _job) ?? MakeJob();
        init => _job = value;
    }

    /// <summary>Gets the number a run id of the store's own shape (<see cref="RunIds.New"/>) is made of, without formatting it.</summary>
    /// <returns>Whether the id has that shape.</returns>
    internal bool TryGetRunKey(out ulong key)
    {
        if (_source is not null)
        {
            key = _runKey;
            return true;
        }

        return JobIds.TryParse(RunId, out key);
    }

    /// <summary>Gets the job's id, without making a <see cref="Job"/> snapshot.</summary>
    internal string JobId => _jobId ??= _source is null ? Job.Id : InMemoryJobStore.FormatJobId(_entry!);

    /// <summary>Gets the job's name, without making a <see cref="Job"/> snapshot.</summary>
    internal string JobName => _jobName ?? Job.Name;

    /// <summary>Gets the job's policies, without making a <see cref="Job"/> snapshot.</summary>
    internal JobOptions JobOptions => _jobOptions ?? Job.Options;

    /// <summary>Gets the job's delegate, without making a <see cref="Job"/> snapshot.</summary>
    internal Delegate? JobFunc => _source is null ? Job.Func : _work as Delegate;

    /// <summary>Gets the job's registered task, without making a <see cref="Job"/> snapshot (a job with a delegate runs that, whatever its task).</summary>
    internal string? JobTask => _source is null ? Job.Task : _work as string;

    /// <summary>Gets the occurrence the run is for (for a manual run, the moment it was asked for).</summary>
    public DateTimeOffset ScheduledTime
    {
        get => Join(_scheduledTicks, _scheduledOffset);
        init => (_scheduledTicks, _scheduledOffset) = Split(value);
    }

    /// <summary>Gets when the run was claimed, by the store's clock.</summary>
    public DateTimeOffset ClaimedAt
    {
        get => Join(_claimedAtTicks, _claimedAtOffset);
        init => (_claimedAtTicks, _claimedAtOffset) = Split(value);
    }

    /// <summary>Gets the instance id of the node that holds the run (<see cref="NodeIdentity.InstanceId"/>).</summary>
    public required string InstanceId
    {
        get => _node as string ?? (_node as NodeIdentity)?.InstanceId!;
        init
        {
            // The in-memory store's run reads both names from its node's identity, which this would replace.
            System.Diagnostics.Debug.Assert(_source is null, "An in-memory store's run keeps its node's identity.");
            _node = value;
        }
    }

    /// <summary>Gets the configured name of the node that holds the run (<see cref="NodeIdentity.Name"/>), as the run history shows it.</summary>
    public required string NodeName
    {
        get => _nodeName ?? (_node as NodeIdentity)?.Name!;
        init => _nodeName = value;
    }

    /// <summary>Gets the identity of the node that holds a run the in-memory store made; <see langword="null"/> for any other run.</summary>
    internal NodeIdentity? Node => _node as NodeIdentity;

    /// <summary>Gets until when the node holds the run unless it renews the lease, by the store's clock.</summary>
    public DateTimeOffset LeaseUntil
    {
        get => Join(_leaseUntilTicks, _leaseUntilOffset);
        init => (_leaseUntilTicks, _leaseUntilOffset) = Split(value);
    }

    /// <summary>Gets a value indicating whether the run was asked for with <c>RunNow</c> rather than due by schedule.</summary>
    public bool IsManual { get; init; }

    /// <summary>Gets the attempt number: 1, or more for a retry of a failed attempt or a recovery re-run.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Gets a value indicating whether the run re-runs an occurrence whose first run was lost with its node (<see cref="JobOptions.Recoverable"/>).</summary>
    public bool IsRecovery { get; init; }

    /// <summary>Gets the claim's fencing token: unique in the store, and larger than the token of every earlier claim.</summary>
    /// <remarks>
    /// A job can pass it to the systems it writes to (<c>JobContext.FencingToken</c>), so that a write from a node that
    /// lost the run (a paused process whose lease expired) can be refused there too.
    /// </remarks>
    public long FencingToken { get; init; }

    /// <summary>A time as the fields keep it: its UTC ticks, and its offset in minutes (an offset is always whole minutes).</summary>
    private static (long UtcTicks, short OffsetMinutes) Split(DateTimeOffset time) => (time.UtcTicks, (short)time.TotalOffsetMinutes);

    /// <summary>The time that <see cref="Split"/> took apart, with the same instant and the same offset.</summary>
    private static DateTimeOffset Join(long utcTicks, short offsetMinutes) => offsetMinutes == 0
        ? new DateTimeOffset(utcTicks, TimeSpan.Zero)
        : new DateTimeOffset(utcTicks + (offsetMinutes * TimeSpan.TicksPerMinute), TimeSpan.FromMinutes(offsetMinutes));

    private Job MakeJob()
    {
        Job made = _source!.SnapshotForRun(_entry!);
        return Interlocked.CompareExchange(ref _job, made, null) ?? made;
    }
}
