using Codomyrmex.Scheduler.Storage;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The heartbeat keeps the leases of the runs a scheduler holds on a thread of its own: not held up by a dispatcher waiting
/// for room or by a slow purge, running for a RunNow on a scheduler never started, and stopping runs whose lease it cannot renew.
/// </summary>
public partial class SchedulerTests
{
    /// <summary>The tests' lease over three: the heartbeat's interval.</summary>
    private static readonly TimeSpan Beat = TestLease / 3;

    [Fact]
    public void DefaultLease_IsFiveMinutes_SoAStallOnASingleProcessStoreDoesNotRecoverItsOwnRuns()
    {
        // A short lease is for nodes that fail over to each other; schedctl and the host set it for the PostgreSQL store.
        Assert.Equal(TimeSpan.FromMinutes(5), new SchedulerOptions().LeaseDuration);
    }

    [Fact]
    public async Task EveryWorkerBusyAndTheQueueFull_TheHeartbeatStillRenewsTheHeldRuns()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();

        // One worker: the dispatcher holds 2 + 64 runs (one running, the rest queued), then waits for room.
        for (int i = 0; i < 66; i++)
        {
            scheduler.Schedule(async () => { entered.TrySetResult(); await release.Task; }, name: $"job-{i}", trigger: new OnceTrigger(Monday.AddMinutes(1)));
        }

        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        try
        {
            for (int beat = 0; beat < 4; beat++)
            {
                Clock.Advance(Beat);
                Assert.True(await Within(store.RenewedRuns.WaitAsync(Guard, TestContext.Current.CancellationToken)), $"no renewal at beat {beat}");
            }

            // Past the lease of the claim: the store still holds every run for this node.
            Assert.Empty(await store.RecoverExpiredAsync(TestContext.Current.CancellationToken));

            // The renewals ran on the heartbeat's own thread: work queued on the thread pool, which a loaded machine makes
            // wait for seconds, never delays them.
            Assert.Equal(0, store.RenewalsOnThreadPool);
        }
        finally
        {
            release.SetResult();
        }
    }

    [Fact]
    public async Task PurgeThatDoesNotReturn_TheHeartbeatStillRenewsTheHeldRuns()
    {
        var store = new FaultyStore(Clock);
        var purging = new TaskCompletionSource();
        var unblock = new TaskCompletionSource();
        store.BeforePurge = async () =>
        {
            purging.TrySetResult();
            await unblock.Task;
        };
        var scheduler = NewScheduler(store: store);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        scheduler.Schedule(async () => { entered.TrySetResult(); await release.Task; }, name: "long", trigger: new OnceTrigger(Monday.AddSeconds(30)));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromSeconds(30));
        await Within(entered.Task);
        try
        {
            // Retention is due at one minute and never returns.
            Clock.Advance(TimeSpan.FromSeconds(30));
            await Within(purging.Task);
            for (int beat = 0; beat < 4; beat++)
            {
                Clock.Advance(Beat);
                Assert.True(await Within(store.RenewedRuns.WaitAsync(Guard, TestContext.Current.CancellationToken)), $"no renewal at beat {beat}");
            }

            Assert.Empty(await store.RecoverExpiredAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            release.SetResult();
            unblock.SetResult();
        }
    }

    [Fact]
    public async Task ReadOfAClaimedJobFailsAfterACancel_TheClaimedRunIsLetGo_NotHeldAndRenewedForever()
    {
        var store = new FaultyStore(Clock);
        (Task entered, TaskCompletionSource release) = HoldClaims(store, Monday.AddMinutes(1));
        var scheduler = NewScheduler(store: store);
        int aRuns = 0;
        string a = scheduler.Schedule(() => Interlocked.Increment(ref aRuns), name: "a", trigger: new OnceTrigger(Monday.AddMinutes(1)));
        string b = scheduler.Schedule(() => { }, name: "b", trigger: Every(hours: 1));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered);

        // A cancel while the claim is in flight makes the dispatcher read the claimed jobs again; that read fails.
        Assert.True(await Within(scheduler.CancelAsync(b, TestContext.Current.CancellationToken).AsTask()));
        store.FailGet = id => id == a;
        release.SetResult();
        await Within(scheduler.WhenIdleAsync(TestContext.Current.CancellationToken));
        store.FailGet = null;
        Assert.Equal(0, aRuns);
        Assert.Equal(1, scheduler.GetJob(a)!.ActiveRuns);

        // Not renewed by this node: once its lease lapses the store recovers it.
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(6), Beat);
        Assert.Equal(0, scheduler.GetJob(a)!.ActiveRuns);
    }

    [Fact]
    public async Task RenewalsFail_TheRunIsStoppedBeforeItsLeaseLapses_NotLeftRunningBesideAnotherNodesRun()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(store: store);
        var entered = new TaskCompletionSource();
        var stopped = new TaskCompletionSource();
        scheduler.Schedule(
            async token =>
            {
                entered.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                finally
                {
                    stopped.TrySetResult();
                }
            },
            name: "long",
            trigger: new OnceTrigger(Monday.AddMinutes(1)));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);

        // The claim leased the run until 6:00 (by this node's clock). The renewal at 2:40 fails: the next heartbeat (4:20) is
        // still in time, so nothing stops.
        store.FailRenew = true;
        Clock.Advance(Beat);
        await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
        Assert.False(stopped.Task.IsCompleted);

        // The renewal at 4:20 fails too, and the one after it would come at 6:00, too late: the run stops now.
        Clock.Advance(Beat);
        await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
        await Within(stopped.Task);
    }

    [Fact]
    public async Task RunNowOnASchedulerNeverStarted_TheHeartbeatKeepsItsLease()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(store: store);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        string id = scheduler.Schedule(async () => { entered.TrySetResult(); await release.Task; }, name: "long", trigger: Every(hours: 1));
        Task<object?> running = scheduler.RunNowAsync(id, TestContext.Current.CancellationToken);
        await Within(entered.Task);
        for (int beat = 0; beat < 6; beat++)
        {
            Clock.Advance(Beat);
            Assert.True(await Within(store.RenewedRuns.WaitAsync(Guard, TestContext.Current.CancellationToken)), $"no renewal at beat {beat}");

            // The renewal reached the store; the beat ends when this node has taken the new lease. A clock moved on before that
            // would find the beat still going and the run's lease (as last taken) lapsing before the next beat, and stop it.
            await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
        }

        // Two leases on: the store still holds the run for this node.
        Assert.Empty(await store.RecoverExpiredAsync(TestContext.Current.CancellationToken));
        release.SetResult();
        await Within(running);
        Assert.Equal(RunOutcome.Succeeded, Assert.Single((await scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items).Outcome);
        Assert.False(scheduler.IsRunning);
    }

    [Fact]
    public void InstanceId_HasA128BitRandomPart()
    {
        string id = NodeIdentity.Create("web-1", Monday).InstanceId;
        Assert.Matches("^web-1/[0-9a-f]{32}$", id);
        Assert.NotEqual(id, NodeIdentity.Create("web-1", Monday).InstanceId);
    }
}
