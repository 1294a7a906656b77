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
                next.TrySetResult(token);
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
    public async Task Stop_WhenTheLeaveHangs_EndsOnTheCallersToken()
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
            Task stopping = scheduler.StopAsync(stopWait.Token);
            CancellationToken leave = await Within(reached.Task);
            Assert.False(stopping.IsCompleted);
            await stopWait.CancelAsync();
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
