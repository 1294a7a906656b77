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

    /// <summary>The tests' lease over ten: how long before its lease ends a run no renewal extended is stopped.</summary>
    private static readonly TimeSpan FenceMargin = TestLease / 10;

    [Fact]
    public async Task RenewalsFail_TheRunIsStoppedAtItsLeasesEndLessTheMargin_NotABeatEarly()
    {
        (FaultyStore store, Scheduler scheduler, string id, CancellationToken run, TaskCompletionSource release) = await RunSinceOneAsync();

        // The claim leased the run until 6:00 (by this node's clock). The renewals at 2:40 and 4:20 fail: the one at 6:00
        // would come too late, yet the run holds its lease until then, so nothing stops a beat early.
        store.FailRenew = true;
        try
        {
            for (int beat = 0; beat < 2; beat++)
            {
                Clock.Advance(Beat);
                await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
                Assert.False(run.IsCancellationRequested, $"stopped after failed renewal {beat + 1}, with its lease holding until 6:00");
            }

            AssertStoppedAtTheLeasesEndLessTheMargin(run);
        }
        finally
        {
            release.SetResult();
        }

        await AssertNothingRecordedAsync(scheduler, id);
    }

    [Fact]
    public async Task RenewalInFlightPastTheNextBeat_BackBeforeTheLeaseEnds_TheRunGoesOnAndIsRecorded()
    {
        // The renewal sent at 2:40 takes longer than a beat: the beat at 4:20 finds it in flight. The claim's lease holds the
        // run until 6:00, and the renewal, if it comes back before then, until 7:40: the run must not stop at 4:20.
        (Scheduler scheduler, string id, CancellationToken run, TaskCompletionSource release, TaskCompletionSource answer) =
            await RunWithRenewalInFlightAsync();
        Clock.Advance(Beat);
        bool stopped = run.IsCancellationRequested;

        // Back at 4:20: its lease applies, and the run goes on past the claim's lease.
        answer.SetResult();
        try
        {
            Assert.False(stopped, "stopped while its lease held and a renewal that extends it was in flight");
            await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
            Clock.Advance(Beat);
            await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
            Assert.False(run.IsCancellationRequested, "stopped after the renewal came back and extended its lease");
        }
        finally
        {
            release.SetResult();
        }

        await Within(scheduler.WhenIdleAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RunOutcome.Succeeded, Assert.Single((await scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items).Outcome);
    }

    [Fact]
    public async Task RenewalInFlightPastTheLeasesEndLessTheMargin_TheRunIsLostThen_AndRecordsNothing()
    {
        // The renewal sent at 2:40 does not come back. The claim's lease ends at 6:00: the run goes on until 5:30, then stops.
        (Scheduler scheduler, string id, CancellationToken run, TaskCompletionSource release, TaskCompletionSource answer) =
            await RunWithRenewalInFlightAsync();
        try
        {
            Clock.Advance(Beat);
            Assert.False(run.IsCancellationRequested, "stopped at 4:20, with its lease holding until 6:00");
            AssertStoppedAtTheLeasesEndLessTheMargin(run);
        }
        finally
        {
            // The renewal that comes back late does not bring the run back: it stays lost, and this node records nothing for it.
            answer.SetResult();
            release.SetResult();
        }

        await AssertNothingRecordedAsync(scheduler, id);
    }

    /// <summary>Moves the clock to 6:00 less the margin (5:30), the stop of a run whose lease ends at 6:00: not stopped a second before, stopped then.</summary>
    private void AssertStoppedAtTheLeasesEndLessTheMargin(CancellationToken run)
    {
        Clock.Advance(TimeSpan.FromMinutes(6) - FenceMargin - TimeSpan.FromSeconds(1) - (Clock.GetUtcNow() - Monday));
        Assert.False(run.IsCancellationRequested, "stopped before its lease's end less the margin");
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(run.IsCancellationRequested, "not stopped at its lease's end less the margin, with no renewal back");
    }

    /// <summary>Waits for the run to end here, and finds nothing recorded for it: a lost run's outcome is not this node's to write.</summary>
    private static async Task AssertNothingRecordedAsync(Scheduler scheduler, string id)
    {
        await Within(scheduler.WhenIdleAsync(TestContext.Current.CancellationToken));
        Assert.Empty((await scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items);
    }

    /// <summary>
    /// A scheduler on a <see cref="FaultyStore"/> running the job of <see cref="ScheduleHeldRun"/> since 1:00 (its lease, from
    /// the claim, ends at 6:00), with the renewal sent at 2:40 held in flight until the test answers it.
    /// </summary>
    private async Task<(Scheduler Scheduler, string Id, CancellationToken Run, TaskCompletionSource Release, TaskCompletionSource Answer)>
        RunWithRenewalInFlightAsync()
    {
        (FaultyStore store, Scheduler scheduler, string id, CancellationToken run, TaskCompletionSource release) = await RunSinceOneAsync();
        (Task renewing, TaskCompletionSource answer) = HoldNextRenewal(store);
        Clock.Advance(Beat);
        await Within(renewing);
        return (scheduler, id, run, release, answer);
    }

    /// <summary>A scheduler on a <see cref="FaultyStore"/> running the job of <see cref="ScheduleHeldRun"/> since 1:00 (its lease, from the claim, ends at 6:00).</summary>
    private async Task<(FaultyStore Store, Scheduler Scheduler, string Id, CancellationToken Run, TaskCompletionSource Release)> RunSinceOneAsync()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(store: store);
        (string id, Task<CancellationToken> started, TaskCompletionSource release) = ScheduleHeldRun(scheduler);
        await StartParkedAsync(scheduler, store);
        Clock.Advance(TimeSpan.FromMinutes(1));
        return (store, scheduler, id, await Within(started), release);
    }

    /// <summary>
    /// Schedules a job due at 1:00 whose body gives its token to the test and then waits for the test (not for the token,
    /// so that only the test's look at the token tells whether the node stopped it).
    /// </summary>
    private static (string Id, Task<CancellationToken> Started, TaskCompletionSource Release) ScheduleHeldRun(Scheduler scheduler)
    {
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string id = scheduler.Schedule(
            async token =>
            {
                started.TrySetResult(token);
                await release.Task;
                token.ThrowIfCancellationRequested();
            },
            name: "long",
            trigger: new OnceTrigger(Monday.AddMinutes(1)));
        return (id, started.Task, release);
    }

    /// <summary>
    /// Starts the scheduler and waits for its first claim (at 0:00, finding nothing) to return, so that the claim of the run
    /// at 1:00 reads this node's time after the clock moved: its lease then ends at 6:00 by this node's clock, not 5:00.
    /// </summary>
    private static async Task StartParkedAsync(Scheduler scheduler, FaultyStore store)
    {
        var claimed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AfterClaim = _ =>
        {
            claimed.TrySetResult();
            return Task.CompletedTask;
        };
        scheduler.Start();
        await Within(claimed.Task);
        store.AfterClaim = null;
        await Within(scheduler.WhenQuietAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Holds the next renewal that carries a run until the test answers it (a slow round trip); later renewals pass.</summary>
    private static (Task Renewing, TaskCompletionSource Answer) HoldNextRenewal(FaultyStore store)
    {
        var renewing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int held = 0;
        store.BeforeRenew = (heartbeat, _) =>
        {
            if (heartbeat.Runs.Count == 0 || Interlocked.Exchange(ref held, 1) != 0)
            {
                return Task.CompletedTask;
            }

            renewing.TrySetResult();
            return answer.Task;
        };
        return (renewing.Task, answer);
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
