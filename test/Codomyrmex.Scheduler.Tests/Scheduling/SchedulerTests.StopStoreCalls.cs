namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// A stop is bounded by its deadline (the shutdown timeout, or its caller's token) even when a store call it waits for stops
/// answering: the heartbeat's renewal and the look for lost runs in flight are cancelled at the deadline, and the node's leave
/// by the caller's token. Each hanging call here ends only when its token is cancelled, as a database driver's call does.
/// </summary>
public partial class SchedulerTests
{
    /// <summary>Which background store call of the heartbeat hangs.</summary>
    public enum HangingCall
    {
        /// <summary>The renewal of the node's leases (<see cref="Storage.IJobStore.RenewAsync"/>).</summary>
        Renewal,

        /// <summary>The look for other nodes' lost runs (<see cref="Storage.IJobStore.RecoverExpiredAsync"/>).</summary>
        Recovery,
    }

    /// <summary>
    /// Starts a scheduler on <paramref name="store"/> with one job holding its only worker and lets a heartbeat come, whose
    /// <paramref name="call"/> hangs until its token is cancelled or <paramref name="hang"/> completes. Returns the hanging
    /// call's token and the job's release.
    /// </summary>
    private async Task<(CancellationToken Call, TaskCompletionSource Release)> HangAHeartbeatCallAsync(
        Scheduler scheduler, FaultyStore store, HangingCall call, Task hang)
    {
        var reached = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (call == HangingCall.Renewal)
        {
            store.BeforeRenew = (heartbeat, token) =>
            {
                if (heartbeat.Runs.Count == 0)
                {
                    return Task.CompletedTask;
                }

                reached.TrySetResult(token);
                return hang.WaitAsync(token);
            };
        }

        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        ScheduleBlocker(scheduler, entered, release.Task);
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        if (call == HangingCall.Recovery)
        {
            store.BeforeRecover = token =>
            {
                reached.TrySetResult(token);
                return hang.WaitAsync(token);
            };
        }

        Clock.Advance(Beat);
        return (await Within(reached.Task), release);
    }

    [Theory]
    [InlineData(HangingCall.Renewal)]
    [InlineData(HangingCall.Recovery)]
    public async Task Stop_WhenAHeartbeatStoreCallHangs_EndsAtTheShutdownTimeout_AndCancelsTheCall(HangingCall call)
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.FromSeconds(30));
        var hang = new TaskCompletionSource();
        try
        {
            (CancellationToken callToken, TaskCompletionSource release) = await HangAHeartbeatCallAsync(scheduler, store, call, hang.Task);
            Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
            release.SetResult();

            // The job has ended, but the stop waits for the call in flight until its deadline, and no longer.
            Assert.False(callToken.IsCancellationRequested);
            Assert.False(stopping.IsCompleted);
            Clock.Advance(TimeSpan.FromSeconds(30));
            await Within(stopping);
            Assert.True(callToken.IsCancellationRequested);

            // The next start's heartbeat gets a token of its own.
            var next = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            store.BeforeRenew = (_, token) =>
            {
                // The start's own first heartbeat is given no token at all: the beats' are.
                if (token.CanBeCanceled)
                {
                    next.TrySetResult(token);
                }

                return Task.CompletedTask;
            };
            store.BeforeRecover = null;
            scheduler.Start();
            Clock.Advance(Beat);
            Assert.False((await Within(next.Task)).IsCancellationRequested);
        }
        finally
        {
            hang.TrySetResult(); // lets a stop that did not end go, so that the test's cleanup can stop the scheduler
        }
    }

    [Fact]
    public async Task Stop_WhenEveryRenewalHangs_WhileAJobRunsOn_EndsAfterTheTimeoutAndItsWaitForCancelledJobs()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.FromSeconds(30));
        var hang = new TaskCompletionSource();
        TaskCompletionSource? release = null;
        try
        {
            // Every renewal hangs until its token is cancelled, and a heartbeat comes due while the first is stuck: the beat
            // tries again once its call is cancelled, on a token the stop does not cancel.
            (_, release) = await HangAHeartbeatCallAsync(scheduler, store, HangingCall.Renewal, hang.Task);
            Clock.Advance(Beat);
            Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);

            // The job ignores its token and runs on: the stop waits out the timeout, then its few seconds for cancelled jobs.
            Clock.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(1));
            Assert.False(stopping.IsCompleted);
            await AdvanceUntilAsync(stopping, TimeSpan.FromSeconds(1));
        }
        finally
        {
            hang.TrySetResult();
            release?.TrySetResult();
        }
    }

    [Theory]
    [InlineData(HangingCall.Renewal)]
    [InlineData(HangingCall.Recovery)]
    public async Task Stop_WhenAHeartbeatStoreCallHangs_EndsOnTheCallersToken(HangingCall call)
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.FromDays(1));
        var hang = new TaskCompletionSource();
        using var stopWait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        try
        {
            (CancellationToken callToken, TaskCompletionSource release) = await HangAHeartbeatCallAsync(scheduler, store, call, hang.Task);
            Task stopping = scheduler.StopAsync(stopWait.Token);
            release.SetResult();
            await stopWait.CancelAsync();
            await Within(stopping);
            Assert.True(callToken.IsCancellationRequested);
        }
        finally
        {
            hang.TrySetResult();
        }
    }

    [Fact]
    public async Task Stop_PastItsDeadline_TheBeatsRenewAgain_SoAJobThatOutlivesItsTokenIsStillRecorded()
    {
        // A lease of 6 s: a beat every 2 s, and a run whose renewals all failed is stopped as lost 0.6 s before its lease ends.
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.FromSeconds(1), lease: TimeSpan.FromSeconds(6));
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        string id = ScheduleBlocker(scheduler, entered, release.Task);
        var hang = new TaskCompletionSource();
        var renewing = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var next = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        DateTimeOffset hangFrom = Monday.AddMinutes(1).AddSeconds(4);
        int renewals = 0;
        store.BeforeRenew = (heartbeat, token) =>
        {
            // The first renewal from 1:04 on hangs until its token is cancelled; the one after it (a beat after the deadline) passes.
            if (heartbeat.Runs.Count == 0 || Clock.GetUtcNow() < hangFrom)
            {
                return Task.CompletedTask;
            }

            if (Interlocked.Increment(ref renewals) == 1)
            {
                renewing.TrySetResult(token);
                return hang.Task.WaitAsync(token);
            }

            next.TrySetResult(token);
            return Task.CompletedTask;
        };
        try
        {
            scheduler.Start();
            Clock.Advance(TimeSpan.FromMinutes(1));
            await Within(entered.Task);

            // A renewal at 1:02 takes the run's lease as this node counts it from the jump of a minute to the clock's steps.
            Clock.Advance(TimeSpan.FromSeconds(2));
            Assert.True(await Within(store.RenewedRuns.WaitAsync(Guard, TestContext.Current.CancellationToken)));
            await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
            Clock.Advance(TimeSpan.FromSeconds(2));
            CancellationToken hung = await Within(renewing.Task);

            // The deadline cancels the renewal in flight; the job ignores its own token and runs on, and the stop waits for it.
            Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            hung.Register(() => cancelled.TrySetResult());
            Clock.Advance(TimeSpan.FromSeconds(1));
            await Within(cancelled.Task);

            // The next beat renews the run's lease, on a token of its own.
            Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.False((await Within(next.Task)).IsCancellationRequested);
            Assert.True(await Within(store.RenewedRuns.WaitAsync(Guard, TestContext.Current.CancellationToken)));
            await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));

            // Past where the lease taken at 1:02 would have been fenced (1:07.4), the job ends and its outcome is written.
            Clock.Advance(TimeSpan.FromSeconds(2));
            release.SetResult();
            await Within(stopping);
            Assert.Single((await RunsOfAsync(scheduler, id)).Items);
        }
        finally
        {
            hang.TrySetResult();
            release.TrySetResult();
        }
    }

    /// <summary>How the caller's token of a stop whose leave hangs stands.</summary>
    public enum CallerToken
    {
        /// <summary>A token never cancelled: only the leave's own time ends it.</summary>
        None,

        /// <summary>Cancelled before the stop: the leave still gets its time.</summary>
        CancelledBefore,

        /// <summary>Cancelled while the leave hangs: it ends at once.</summary>
        CancelledDuring,
    }

    [Theory]
    [InlineData(CallerToken.None)]
    [InlineData(CallerToken.CancelledBefore)]
    [InlineData(CallerToken.CancelledDuring)]
    public async Task Stop_WhenTheLeaveHangs_EndsAfterItsTime_OrOnTheCallersToken(CallerToken caller)
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(store: store);
        var hang = new TaskCompletionSource();
        var reached = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeLeave = token =>
        {
            reached.TrySetResult(token);
            return hang.Task.WaitAsync(token);
        };
        using var stopWait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        try
        {
            scheduler.Start();
            if (caller == CallerToken.CancelledBefore)
            {
                await stopWait.CancelAsync();
            }

            Task stopping = scheduler.StopAsync(caller == CallerToken.None ? TestContext.Current.CancellationToken : stopWait.Token);
            CancellationToken leave = await Within(reached.Task);
            Assert.False(leave.IsCancellationRequested);
            Assert.False(stopping.IsCompleted);
            if (caller == CallerToken.CancelledDuring)
            {
                await stopWait.CancelAsync();
            }
            else
            {
                Clock.Advance(Scheduler.LastCallsTimeout - TimeSpan.FromMilliseconds(1));
                Assert.False(leave.IsCancellationRequested);
                Clock.Advance(TimeSpan.FromMilliseconds(1));
            }

            await Within(stopping);
            Assert.True(leave.IsCancellationRequested);
            Assert.False(scheduler.IsRunning);
        }
        finally
        {
            hang.TrySetResult();
        }
    }
}
