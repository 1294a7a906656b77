using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

/// <summary>A claimed run inside this process, with the cancellation that ends it.</summary>
/// <remarks>
/// <para>
/// A scheduled run has a source of its own, which the dispatcher cancels at shutdown: not a source linked to a shared
/// shutdown token, whose registrations every run would contend on. Only a RunNow run links the caller's token.
/// </para>
/// <para>
/// The source is made only when something asks for the token (a job whose delegate takes one, a timeout): most jobs never
/// do, and a source per run was a large part of what a run allocates. A cancel before then is remembered, and the source
/// made later starts cancelled.
/// </para>
/// <para>
/// Whether the run starts is decided once, by one compare-exchange on its state: the worker moves it from queued to started
/// just before it enters the job's code (<see cref="TryStart"/>), and Cancel, the heartbeat (a lost run) and Stop move it from
/// queued to stopped (<see cref="CancelJob"/>, <see cref="Lose"/>, <see cref="CancelForShutdown"/>, <see cref="StopIfQueued"/>).
/// Whichever comes first wins: a run stopped before its start never starts (its worker records it without entering its code),
/// and a run that started has its token cancelled instead. So a Cancel that returns has either kept the run from starting or
/// cancelled its token, with no window between the worker's last look and the job's code.
/// </para>
/// </remarks>
/// <param name="run">The claimed run.</param>
/// <param name="claimedAt">This node's time just before it asked the store for the run.</param>
internal class RunHandle(ClaimedRun run, DateTimeOffset claimedAt) : IDisposable
{
    /// <summary>Not started yet: a worker may still start it, or Cancel, the heartbeat or Stop may keep it from starting.</summary>
    private const int Queued = 0;

    /// <summary>A worker started it: it enters (or has entered) the job's code, and is stopped only through its token.</summary>
    private const int Started = 1;

    /// <summary>Stopped before its start: it never starts, and its worker records it without entering the job's code.</summary>
    private const int Stopped = 2;

    private const int PhaseMask = 3;

    /// <summary>The token is cancelled, or is made cancelled (set only once the run started: a stopped run never reads it).</summary>
    private const int CancelRequested = 4;

    private const int JobCancelledFlag = 8;
    private const int ShutDownFlag = 16;
    private const int LostFlag = 32;

    /// <summary>The job's code has returned (<see cref="EndBody"/>): set once, by an atomic or, whatever the phase.</summary>
    private const int BodyDoneFlag = 64;

    /// <summary>The two bits of the state word that say whether the run counts as starting (or settling): one of the three below.</summary>
    private const int StartingMask = 3 << 7;

    /// <summary>Not counted as starting.</summary>
    private const int NotStarting = 0;

    /// <summary>Counted as starting: queued and not entered yet, or its code returned and its outcome not written yet.</summary>
    private const int Starting = 1 << 7;

    /// <summary>Its outcome is written (or it never ran): it never counts as starting again.</summary>
    private const int SettledForGood = 2 << 7;

    /// <summary>A handle whose token is linked to <paramref name="external"/> (a RunNow caller's), made at once.</summary>
    /// <param name="run">The claimed run.</param>
    /// <param name="claimedAt">This node's time just before it asked the store for the run.</param>
    /// <param name="external">The caller's token.</param>
    protected RunHandle(ClaimedRun run, DateTimeOffset claimedAt, CancellationToken external)
        : this(run, claimedAt)
    {
        _cancellation = external.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(external) : null;
    }

    private CancellationTokenSource? _cancellation;
    /// <summary>
    /// The run's phase (<see cref="Queued"/>, <see cref="Started"/>, <see cref="Stopped"/>), why it was stopped or cancelled,
    /// whether its code has returned, and whether it counts as starting (<see cref="StartingMask"/>): one word, changed only
    /// by interlocked operations.
    /// </summary>
    private int _state;
    private TaskCompletionSource? _bodyEnded;
    private long _leaseUntil = Internal.LongTime.Add(claimedAt, run.LeaseUntil - run.ClaimedAt).UtcTicks;

    public ClaimedRun Run { get; } = run;

    /// <summary>Gets or sets the run's place in an <see cref="ActiveRunSet"/> plus one; 0 while it is in none (guarded by the set's lock).</summary>
    internal int ActiveSlot { get; set; }

    /// <summary>Gets the RunNow caller's token (<see cref="RunNowHandle"/>); none for a scheduled run, which keeps no field for it.</summary>
    protected virtual CancellationToken External => default;

    public string JobId => Run.JobId;

    /// <summary>
    /// Gets the store's time minus this node's, as seen at the claim. The store's clock is the clock of record (scheduled
    /// times, retry times); this node's clock may be minutes off, so a node time meant for the store is moved by this.
    /// </summary>
    public TimeSpan StoreOffset { get; } = run.ClaimedAt - claimedAt;

    /// <summary>Gets the token that ends the run: cancelled when the job is cancelled or the scheduler shuts down.</summary>
    public CancellationToken Token => Source().Token;

    /// <summary>Gets a value indicating whether the run's token is cancelled (or will be, once it is made).</summary>
    public bool IsCancellationRequested => (Volatile.Read(ref _state) & CancelRequested) != 0 || External.IsCancellationRequested;

    /// <summary>Gets a value indicating whether the run's job was cancelled: the run was stopped before its start, or its token cancelled.</summary>
    public bool JobCancelled => (Volatile.Read(ref _state) & JobCancelledFlag) != 0;

    /// <summary>Gets a value indicating whether the caller of a RunNow run cancelled it (its process is stopping, say).</summary>
    public bool CallerCancelled => External.IsCancellationRequested;

    /// <summary>Gets a value indicating whether the scheduler's shutdown cancelled the run (it outlived the shutdown timeout).</summary>
    public bool ShutDown => (Volatile.Read(ref _state) & ShutDownFlag) != 0;

    /// <summary>Gets a value indicating whether this node lost the run (its lease lapsed and the store gave the run to another claim).</summary>
    public bool Lost => (Volatile.Read(ref _state) & LostFlag) != 0;

    /// <summary>Gets a value indicating whether the run was stopped before its start: it never starts.</summary>
    public bool StoppedBeforeStart => (Volatile.Read(ref _state) & PhaseMask) == Stopped;

    /// <summary>
    /// Gets the time, by this node's clock, until which the store surely holds the run for this node: the lease from the
    /// claim or the last renewal, counted from this node's time before it asked the store.
    /// </summary>
    public DateTimeOffset LeaseUntil => new(Volatile.Read(ref _leaseUntil), TimeSpan.Zero);

    /// <summary>Notes a renewal of the run's lease until <paramref name="leaseUntil"/> (this node's clock).</summary>
    public void Renewed(DateTimeOffset leaseUntil) => Volatile.Write(ref _leaseUntil, leaseUntil.UtcTicks);

    /// <summary>Converts a time of this node's clock to the store's.</summary>
    public DateTimeOffset ToStoreTime(DateTimeOffset nodeTime) => Internal.LongTime.Add(nodeTime, StoreOffset);

    /// <summary>
    /// Moves the run from queued to started, unless Cancel, the heartbeat or Stop stopped it first: called by whoever runs it,
    /// just before it enters the job's code, and entering it only if this returns <see langword="true"/>.
    /// </summary>
    /// <returns>Whether the run starts; <see langword="false"/> if it was stopped before its start (it never starts).</returns>
    /// <remarks>One compare-exchange: the only cost this handshake adds to a run.</remarks>
    public bool TryStart()
    {
        int state = Volatile.Read(ref _state);
        while ((state & PhaseMask) == Queued)
        {
            int seen = Interlocked.CompareExchange(ref _state, state | Started, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>The job was cancelled: the run never starts if it has not started yet, and has its token cancelled if it has.</summary>
    /// <returns>Whether the run was stopped before its start (it never starts).</returns>
    public bool CancelJob() => Stop(JobCancelledFlag);

    /// <summary>Marks a run the dispatcher queued and no worker has started yet.</summary>
    public void MarkStarting() => SetStarting(Starting);

    /// <summary>Marks a run whose job code has returned and whose outcome is not written yet (settling, as a starting run is).</summary>
    /// <returns>Whether the run was neither marked nor settled until now.</returns>
    public bool BeginSettling() => MoveStarting(NotStarting, Starting);

    /// <summary>Ends the "starting" state once: the job's code has been entered.</summary>
    /// <returns>Whether the run was starting until now.</returns>
    public bool EndStarting() => MoveStarting(Starting, NotStarting);

    /// <summary>Ends the "starting" state for good: the run's outcome is written (or it never ran), so it never settles again.</summary>
    /// <returns>Whether the run was starting until now.</returns>
    public bool Settled() => SetStarting(SettledForGood) == Starting;

    /// <summary>Gets a task that completes when the job's code has returned (before its outcome is recorded).</summary>
    /// <remarks>Made only when a worker waits for it: most runs end before their worker looks, and need none.</remarks>
    public Task BodyEnded
    {
        get
        {
            if ((Volatile.Read(ref _state) & BodyDoneFlag) != 0)
            {
                return Task.CompletedTask;
            }

            var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            TaskCompletionSource source = Interlocked.CompareExchange(ref _bodyEnded, made, null) ?? made;

            // The exchange is a full fence: either EndBody sees this source, or this sees its flag.
            if ((Volatile.Read(ref _state) & BodyDoneFlag) != 0)
            {
                source.TrySetResult();
            }

            return source.Task;
        }
    }

    /// <summary>Marks the job's code as returned: its worker may take the next run while the outcome is recorded.</summary>
    public void EndBody()
    {
        Interlocked.Or(ref _state, BodyDoneFlag);
        Volatile.Read(ref _bodyEnded)?.TrySetResult();
    }

    /// <summary>This node lost the run (another claim may run it now): it never starts here if it has not started yet, and has its token cancelled if it has.</summary>
    /// <returns>Whether the run was stopped before its start (it never starts).</returns>
    public bool Lose() => Stop(LostFlag);

    /// <summary>The shutdown ends the run: it never starts if it has not started yet, and has its token cancelled if it has.</summary>
    /// <returns>Whether the run was stopped before its start (it never starts).</returns>
    public bool CancelForShutdown() => Stop(ShutDownFlag);

    /// <summary>The shutdown began: the run never starts if it has not started yet; a started run goes on (its token is not cancelled).</summary>
    /// <returns>Whether the run was stopped before its start (it never starts).</returns>
    public bool StopIfQueued()
    {
        int state = Volatile.Read(ref _state);
        while ((state & PhaseMask) == Queued)
        {
            int seen = Interlocked.CompareExchange(ref _state, state | Stopped | ShutDownFlag, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return (state & PhaseMask) == Stopped;
    }

    public void Dispose() => Volatile.Read(ref _cancellation)?.Dispose();

    private static void CancelSource(CancellationTokenSource? source)
    {
        try
        {
            source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
    }

    /// <summary>
    /// Stops the run for <paramref name="reason"/>: a queued run becomes stopped (it never starts, and its token is left alone);
    /// a started one has its token cancelled.
    /// </summary>
    /// <returns>Whether the run was stopped before its start.</returns>
    private bool Stop(int reason)
    {
        int state = Volatile.Read(ref _state);
        while (true)
        {
            int next = (state & PhaseMask) switch
            {
                Queued => state | Stopped | reason,
                Started => state | CancelRequested | reason,
                _ => state | reason,
            };
            int seen = Interlocked.CompareExchange(ref _state, next, state);
            if (seen == state)
            {
                break;
            }

            state = seen;
        }

        if ((state & PhaseMask) != Started)
        {
            return true;
        }

        // The exchange is a full fence: either Source sees the request after making its source, or this sees the source.
        CancelSource(Volatile.Read(ref _cancellation));
        return false;
    }

    /// <summary>Moves the starting bits from <paramref name="from"/> to <paramref name="to"/>, if they are <paramref name="from"/>.</summary>
    /// <returns>Whether they were.</returns>
    private bool MoveStarting(int from, int to)
    {
        int state = Volatile.Read(ref _state);
        while ((state & StartingMask) == from)
        {
            int seen = Interlocked.CompareExchange(ref _state, (state & ~StartingMask) | to, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>Sets the starting bits to <paramref name="to"/>, whatever they were.</summary>
    /// <returns>What they were.</returns>
    private int SetStarting(int to)
    {
        int state = Volatile.Read(ref _state);
        while (true)
        {
            int seen = Interlocked.CompareExchange(ref _state, (state & ~StartingMask) | to, state);
            if (seen == state)
            {
                return state & StartingMask;
            }

            state = seen;
        }
    }

    /// <summary>The run's source, made on first use; cancelled at once if the run was cancelled before.</summary>
    private CancellationTokenSource Source()
    {
        if (Volatile.Read(ref _cancellation) is { } existing)
        {
            return existing;
        }

        var made = new CancellationTokenSource();
        CancellationTokenSource source = Interlocked.CompareExchange(ref _cancellation, made, null) ?? made;
        if (!ReferenceEquals(source, made))
        {
            made.Dispose();
        }
        else if ((Volatile.Read(ref _state) & CancelRequested) != 0)
        {
            CancelSource(source);
        }

        return source;
    }
}
