using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The start handshake of a run: the worker's start and a stop (Cancel, a lost lease, the shutdown) each move the run out of
/// "queued" with one compare-exchange, and whichever comes first decides whether the job's code is entered.
/// </summary>
public sealed class RunHandleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    internal static RunHandle NewHandle() => new(new ClaimedRun
    {
        RunId = "r1",
        Job = new Job { Id = "j1", Name = "job" },
        InstanceId = "node-1",
        NodeName = "node",
        ScheduledTime = Now,
        ClaimedAt = Now,
        LeaseUntil = Now.AddMinutes(5),
    }, Now);

    /// <summary>Every way a run is stopped, with what the handle then says about why.</summary>
    public static TheoryData<string> Stops => ["cancel", "lose", "shutdown"];

    private static bool Stop(RunHandle handle, string how) => how switch
    {
        "cancel" => handle.CancelJob(),
        "lose" => handle.Lose(),
        "shutdown" => handle.CancelForShutdown(),
        _ => throw new ArgumentOutOfRangeException(nameof(how), how, null),
    };

    private static void AssertReason(RunHandle handle, string how)
    {
        Assert.Equal(how == "cancel", handle.JobCancelled);
        Assert.Equal(how == "lose", handle.Lost);
        Assert.Equal(how == "shutdown", handle.ShutDown);
    }

    [Theory]
    [MemberData(nameof(Stops))]
    public void Stop_BeforeStart_TheRunNeverStarts_AndItsTokenIsLeftAlone(string how)
    {
        using RunHandle handle = NewHandle();
        CancellationToken token = handle.Token;

        Assert.True(Stop(handle, how));

        Assert.False(handle.TryStart());
        Assert.False(handle.TryStart());
        Assert.True(handle.StoppedBeforeStart);
        AssertReason(handle, how);

        // A run that never starts is not told through its token: a body that saw a cancelled token started.
        Assert.False(token.IsCancellationRequested);
        Assert.False(handle.IsCancellationRequested);
    }

    [Theory]
    [MemberData(nameof(Stops))]
    public void Stop_AfterStart_CancelsTheToken_WhetherMadeBeforeOrAfter(string how)
    {
        using RunHandle early = NewHandle();
        CancellationToken before = early.Token;
        Assert.True(early.TryStart());
        Assert.False(Stop(early, how));
        Assert.True(before.IsCancellationRequested);
        Assert.False(early.StoppedBeforeStart);
        AssertReason(early, how);

        // The source is made only when asked for: one made after the stop starts cancelled.
        using RunHandle late = NewHandle();
        Assert.True(late.TryStart());
        Assert.False(Stop(late, how));
        Assert.True(late.IsCancellationRequested);
        Assert.True(late.Token.IsCancellationRequested);
        AssertReason(late, how);
    }

    [Fact]
    public void StopIfQueued_StopsAQueuedRun_AndLeavesAStartedOneRunning()
    {
        using RunHandle queued = NewHandle();
        Assert.True(queued.StopIfQueued());
        Assert.False(queued.TryStart());
        Assert.True(queued.ShutDown);
        Assert.False(queued.JobCancelled);

        using RunHandle started = NewHandle();
        CancellationToken token = started.Token;
        Assert.True(started.TryStart());
        Assert.False(started.StopIfQueued());
        Assert.False(token.IsCancellationRequested);
        Assert.False(started.ShutDown);

        // The shutdown timeout that follows still cancels it.
        Assert.False(started.CancelForShutdown());
        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void SeveralStops_KeepEveryReason_AndTheFirstDecides()
    {
        using RunHandle handle = NewHandle();
        Assert.True(handle.StopIfQueued());
        Assert.True(handle.CancelJob());
        Assert.True(handle.Lose());
        Assert.False(handle.TryStart());
        Assert.True(handle.ShutDown);
        Assert.True(handle.JobCancelled);
        Assert.True(handle.Lost);
        Assert.False(handle.IsCancellationRequested);
    }

    [Fact]
    public void TryStart_Twice_StartsOnce()
    {
        using RunHandle handle = NewHandle();
        Assert.True(handle.TryStart());
        Assert.False(handle.TryStart());
        Assert.False(handle.StoppedBeforeStart);
    }

    [Fact]
    public async Task StartRacingCancel_ExactlyOneWins_AndAStartedRunIsAlwaysTold()
    {
        // Whatever the interleaving: either the run never starts, or it starts and its token is cancelled by the time the
        // cancel returns. No outcome depends on timing, only the mix of the two does.
        CancellationToken ct = TestContext.Current.CancellationToken;
        for (int i = 0; i < 2_000; i++)
        {
            using RunHandle handle = NewHandle();
            using var barrier = new Barrier(2);
            Task<bool> start = Task.Run(() =>
            {
                barrier.SignalAndWait(ct);
                return handle.TryStart();
            }, ct);
            Task<bool> cancel = Task.Run(() =>
            {
                barrier.SignalAndWait(ct);
                return handle.CancelJob();
            }, ct);

            bool didStart = await start;
            bool stoppedFirst = await cancel;
            Assert.NotEqual(didStart, stoppedFirst);
            Assert.Equal(didStart, handle.Token.IsCancellationRequested);
            Assert.True(handle.JobCancelled);
        }
    }
}
