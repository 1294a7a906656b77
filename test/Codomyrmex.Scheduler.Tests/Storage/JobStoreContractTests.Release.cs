using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Giving back claimed runs that never started (a node that stops): due again as if never claimed, nothing counted or recorded.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task Release_OneShotRun_IsPendingAtItsTimeAgain_CountsNothing_AndThenRunsOnce()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Assert.Null(await second.NextDueAsync(Token)); // opened, and listening for the other instance's changes
        Job job = NewJob(new OnceTrigger(T0.AddMinutes(1)), firstRun: T0.AddMinutes(1));
        var heard = new TaskCompletionSource<JobStoreChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        second.Changed += (_, change) =>
        {
            if (change.Kind == JobStoreChangeKind.Released && change.JobId == job.Id)
            {
                heard.TrySetResult(change);
            }
        };
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(5))).Runs);
        Assert.Null((await store.GetAsync(job.Id, Token))!.NextRun);

        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([run], Token));
        Job released = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(JobStatus.Pending, released.Status);
        Assert.Equal(T0.AddMinutes(1), released.NextRun);
        Assert.Equal(0, released.RunCount);
        Assert.Equal(0, released.FailureCount);
        Assert.Equal(0, released.ActiveRuns);
        Assert.Equal(0, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);
        Assert.Equal(T0.AddMinutes(1), await second.NextDueAsync(Token));

        // Another node hears that the job is due again.
        await NoticeChangesAsync(second);
        JobStoreChange change = await heard.Task.WaitAsync(Deadline, Token);
        Assert.True(change.DueAt is null || change.DueAt == T0.AddMinutes(1));

        // The occurrence is claimed again (by any node; noticing the change may have moved the clock), with a new token, and runs once.
        ClaimedRun again = Assert.Single((await ClaimAsync(second, Clock.GetUtcNow().AddSeconds(1), node: NodeB)).Runs);
        Assert.Equal(T0.AddMinutes(1), again.ScheduledTime);
        Assert.Equal(1, again.Attempt);
        Assert.False(again.IsRecovery);
        Assert.True(again.FencingToken > run.FencingToken);
        Job done = (await CompleteAsync(second, again, RunOutcome.Succeeded, Clock.GetUtcNow()))!;
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(1, done.RunCount);
        Assert.Equal(1, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);
        Assert.Empty((await ClaimAsync(store, Clock.GetUtcNow().AddDays(10))).Runs);
    }

    [Fact]
    public async Task Release_RecurringOccurrence_IsClaimedAgainAtItsScheduledTime_ThenTheScheduleGoesOn()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        Assert.Equal(T0.AddMinutes(2), (await store.GetAsync(job.Id, Token))!.NextRun);

        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([run], Token));
        Assert.Equal(T0.AddMinutes(1), (await store.GetAsync(job.Id, Token))!.NextRun);
        ClaimedRun again = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(30))).Runs);
        Assert.Equal(T0.AddMinutes(1), again.ScheduledTime);
        Assert.Equal(T0.AddMinutes(2), (await store.GetAsync(job.Id, Token))!.NextRun);
        await CompleteAsync(store, again, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(31));
        ClaimedRun next = Assert.Single((await ClaimAsync(store, T0.AddMinutes(2))).Runs);
        Assert.Equal(T0.AddMinutes(2), next.ScheduledTime);
    }

    [Fact]
    public async Task Release_GivenBackOccurrenceThatIsLateAtItsNextClaim_FollowsTheMisfirePolicy()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), options: new JobOptions { Misfire = MisfirePolicy.Skip });
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([run], Token));

        // Claimed again ten minutes later: the occurrence of 00:01 is late by more than the grace time, so Skip skips it.
        ClaimBatch late = await ClaimAsync(store, T0.AddMinutes(10));
        SkippedOccurrence skipped = Assert.Single(late.Skipped);
        Assert.Equal(T0.AddMinutes(1), skipped.ScheduledTime);
        Assert.Equal(SkipReason.Misfire, skipped.Reason);
        Assert.Equal([T0.AddMinutes(10)], late.Runs.Select(r => r.ScheduledTime));
    }

    [Fact]
    public async Task Release_StaleForeignOrUnknownRuns_AreRefused_AndChangeNothing()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        Job before = (await store.GetAsync(job.Id, Token))!;
        ClaimedRun byTwin = Copy(run, instanceId: NewNode(NodeA.Name, "2").InstanceId);
        ClaimedRun oldToken = Copy(run, fencingToken: run.FencingToken - 1);
        ClaimedRun newerToken = Copy(run, fencingToken: run.FencingToken + 1000);
        ClaimedRun unknown = new()
        {
            RunId = RunIds.New(),
            Job = NewJob(EveryMinute()),
            InstanceId = NodeA.InstanceId,
            NodeName = NodeA.Name,
            ScheduledTime = T0.AddMinutes(1),
            FencingToken = run.FencingToken,
        };

        Assert.Equal([RunReleaseStatus.Fenced, RunReleaseStatus.Fenced, RunReleaseStatus.Fenced, RunReleaseStatus.NotFound],
            await store.ReleaseRunsAsync([byTwin, oldToken, newerToken, unknown], Token));
        Job after = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(JobStatus.Running, after.Status);
        Assert.Equal(1, after.ActiveRuns);
        Assert.Equal(T0.AddMinutes(2), after.NextRun);
        Assert.Empty(await store.ReleaseRunsAsync([], Token));

        // The live claim still completes; giving it back after that is refused as well.
        Assert.NotNull(await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1)));
        Assert.Equal([RunReleaseStatus.Fenced], await store.ReleaseRunsAsync([run], Token));
        Job completed = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(1, completed.RunCount);
        Assert.Equal(T0.AddMinutes(2), completed.NextRun);
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.ReleaseRunsAsync(null!, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.ReleaseRunsAsync([null!], Token));
    }

    [Fact]
    public async Task Release_TwiceOrAfterRecovery_IsFenced_TheOccurrenceIsDueOnce()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([run], Token));
        Job once = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal([RunReleaseStatus.Fenced], await second.ReleaseRunsAsync([run], Token));
        Assert.Equal(once.Version, (await store.GetAsync(job.Id, Token))!.Version);

        // A run recovered after its lease lapsed is no longer its node's to give back.
        ClaimedRun lost = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(1), lease: TimeSpan.FromSeconds(10))).Runs);
        Assert.Single(await RecoverAsync(second, T0.AddMinutes(1).AddSeconds(20)));
        Job recovered = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal([RunReleaseStatus.Fenced], await store.ReleaseRunsAsync([lost], Token));
        Assert.Equal(recovered.Version, (await store.GetAsync(job.Id, Token))!.Version);
    }

    [Fact]
    public async Task Release_ARetryAttempt_StaysThatAttempt_AndCountsNothing()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun first = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        await CompleteAsync(store, first, RunOutcome.Failed, T0.AddMinutes(1), error: "E: x", retryAt: T0.AddMinutes(1).AddSeconds(30));
        ClaimedRun retry = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(30))).Runs);
        Assert.Equal(2, retry.Attempt);

        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([retry], Token));
        Job released = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(JobStatus.Pending, released.Status);
        Assert.Equal(0, released.FailureCount);
        Assert.Equal(0, released.RunCount);
        Assert.Equal(1, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);

        ClaimedRun again = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(40))).Runs);
        Assert.Equal(2, again.Attempt);
        Assert.Equal(T0.AddMinutes(1), again.ScheduledTime);
        Assert.False(again.IsRecovery);
        Assert.Equal(T0.AddMinutes(2), (await store.GetAsync(job.Id, Token))!.NextRun);
    }

    [Fact]
    public async Task Release_ARecovery_StaysARecovery()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true });
        await store.AddAsync(job, Token);
        Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), lease: TimeSpan.FromSeconds(10))).Runs);
        Assert.Single(await RecoverAsync(second, T0.AddMinutes(1).AddSeconds(20)));
        ClaimedRun recovery = Assert.Single((await second.ClaimDueAsync(Request(NodeB), Token)).Runs);
        Assert.True(recovery.IsRecovery);

        Assert.Equal([RunReleaseStatus.Released], await second.ReleaseRunsAsync([recovery], Token));
        Assert.Equal(1, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);
        ClaimedRun again = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(21))).Runs);
        Assert.True(again.IsRecovery);
        Assert.Equal(recovery.Attempt, again.Attempt);
        Assert.Equal(T0.AddMinutes(1), again.ScheduledTime);
        Job done = (await CompleteAsync(store, again, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(22)))!;
        Assert.Equal(1, done.RunCount);
        Assert.Equal(0, done.FailureCount);
    }

    [Fact]
    public async Task Release_JobCancelledWhileClaimed_StaysCancelled_AndLeavesNoRecord()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        await store.CancelAsync(job.Id, Token);

        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([run], Token));
        Job cancelled = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal(0, cancelled.ActiveRuns);
        Assert.Equal(0, cancelled.RunCount);
        Assert.Null(cancelled.NextRun);
        Assert.Equal(0, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);
        Assert.Null(await store.NextDueAsync(Token));
        Assert.True(await store.DeleteAsync(job.Id, Token));
    }

    [Fact]
    public async Task Release_JobDeletedWhileClaimed_CannotBe_TheDeleteWaitsForTheGiveBack()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.DeleteAsync(job.Id, Token));
        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([run], Token));
        Assert.True(await store.DeleteAsync(job.Id, Token));
        Assert.Equal([RunReleaseStatus.NotFound], await store.ReleaseRunsAsync([run], Token));
    }

    [Fact]
    public async Task Release_JobPausedWhileClaimed_KeepsTheOccurrenceUntilTheResume()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        await store.SetPausedAsync(job.Id, paused: true, Token);

        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([run], Token));
        Job paused = (await store.GetAsync(job.Id, Token))!;
        Assert.True(paused.IsPaused);
        Assert.Equal(JobStatus.Pending, paused.Status);
        Assert.Equal(T0.AddMinutes(1), paused.NextRun);
        Assert.Empty((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(10))).Runs);

        await store.SetPausedAsync(job.Id, paused: false, Token);
        ClaimedRun again = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(20))).Runs);
        Assert.Equal(T0.AddMinutes(1), again.ScheduledTime);
    }

    [Fact]
    public async Task Release_JobUpdatedWhileClaimed_TheOccurrenceRunsOnce_ThenTheNewScheduleGoesOn()
    {
        IJobStore store = CreateStore();
        Job interval = NewJob(EveryMinute());
        Job once = NewJob(new OnceTrigger(T0.AddMinutes(1)), firstRun: T0.AddMinutes(1));
        await store.AddAsync(interval, Token);
        await store.AddAsync(once, Token);
        ClaimBatch claimed = await ClaimAsync(store, T0.AddMinutes(1));
        Assert.Equal(2, claimed.Runs.Count);

        // Every five minutes now; the one-time job moved to 00:10.
        Job read = (await store.GetAsync(interval.Id, Token))!;
        Assert.NotNull(await store.UpdateAsync(read with { Trigger = new IntervalTrigger(TimeSpan.FromMinutes(5), T0), NextRun = T0.AddMinutes(5) }, Token));
        read = (await store.GetAsync(once.Id, Token))!;
        Assert.NotNull(await store.UpdateAsync(read with { Trigger = new OnceTrigger(T0.AddMinutes(10)), NextRun = T0.AddMinutes(10) }, Token));

        Assert.Equal([RunReleaseStatus.Released, RunReleaseStatus.Released], await store.ReleaseRunsAsync(claimed.Runs, Token));
        ClaimBatch again = await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(30));
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(1)], again.Runs.Select(r => r.ScheduledTime));
        foreach (ClaimedRun run in again.Runs)
        {
            await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(31));
        }

        Assert.Equal(T0.AddMinutes(5), (await store.GetAsync(interval.Id, Token))!.NextRun);
        Assert.Equal(T0.AddMinutes(10), (await store.GetAsync(once.Id, Token))!.NextRun);
        ClaimBatch later = await ClaimAsync(store, T0.AddMinutes(10));
        Assert.Equal([T0.AddMinutes(5), T0.AddMinutes(10)], later.Runs.Select(r => r.ScheduledTime).Order());
    }

    [Fact]
    public async Task Release_ABatchMixingLiveAndFencedRuns_ReleasesOnlyTheLiveOnes_InOneStep()
    {
        IJobStore store = CreateStore();
        Job a = NewJob(EveryMinute());
        Job b = NewJob(EveryMinute());
        Job c = NewJob(EveryMinute());
        var allow = new JobOptions { Overlap = OverlapPolicy.Allow, MisfireGraceTime = TimeSpan.FromMinutes(10) };
        Job d = NewJob(EveryMinute(), options: allow);
        foreach (Job job in new[] { a, b, c, d })
        {
            await store.AddAsync(job, Token);
        }

        ClaimBatch first = await ClaimAsync(store, T0.AddMinutes(1));
        ClaimedRun runA = first.Runs.Single(r => r.Job.Id == a.Id);
        ClaimedRun runB = first.Runs.Single(r => r.Job.Id == b.Id);
        ClaimedRun runC = first.Runs.Single(r => r.Job.Id == c.Id);
        ClaimedRun d1 = first.Runs.Single(r => r.Job.Id == d.Id);
        ClaimedRun d2 = (await ClaimAsync(store, T0.AddMinutes(2))).Runs.Single(r => r.Job.Id == d.Id);
        await CompleteAsync(store, runB, RunOutcome.Succeeded, T0.AddMinutes(2));

        IReadOnlyList<RunReleaseStatus> statuses = await store.ReleaseRunsAsync([runA, runB, Copy(runC, fencingToken: runC.FencingToken - 1), d2, d1], Token);
        Assert.Equal([RunReleaseStatus.Released, RunReleaseStatus.Fenced, RunReleaseStatus.Fenced, RunReleaseStatus.Released, RunReleaseStatus.Released], statuses);
        Assert.Equal(T0.AddMinutes(1), (await store.GetAsync(a.Id, Token))!.NextRun);
        Assert.Equal(JobStatus.Running, (await store.GetAsync(c.Id, Token))!.Status);
        Job jobD = (await store.GetAsync(d.Id, Token))!;
        Assert.Equal(0, jobD.ActiveRuns);
        Assert.Equal(T0.AddMinutes(1), jobD.NextRun);

        // Both of d's occurrences come back, each once; a's too.
        ClaimBatch again = await ClaimAsync(store, T0.AddMinutes(2).AddSeconds(10));
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(2)], again.Runs.Where(r => r.Job.Id == d.Id).Select(r => r.ScheduledTime).Order());
        Assert.Equal([T0.AddMinutes(1)], again.Runs.Where(r => r.Job.Id == a.Id).Select(r => r.ScheduledTime));
    }

    [Fact]
    public async Task Release_OverlapAllow_WhenALaterOccurrenceRan_TheGivenBackOneRunsOnce_AndTheLaterOneNotAgain()
    {
        (IJobStore store, Job job, ClaimedRun[] runs) = await RunsOfOneJobAsync(OverlapPolicy.Allow, 2);
        (ClaimedRun first, ClaimedRun second) = (runs[0], runs[1]);
        await CompleteAsync(store, second, RunOutcome.Succeeded, T0.AddMinutes(2));

        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([first], Token));
        ClaimBatch again = await ClaimAsync(store, T0.AddMinutes(2).AddSeconds(10));
        Assert.Equal([T0.AddMinutes(1)], again.Runs.Select(r => r.ScheduledTime));
        Assert.Equal(T0.AddMinutes(3), (await store.GetAsync(job.Id, Token))!.NextRun);
    }

    [Fact]
    public async Task Release_WhenTheJobsRetrySlotIsTaken_TheRunIsKept_AndStillCompletes()
    {
        (IJobStore store, Job job, ClaimedRun[] runs) = await RunsOfOneJobAsync(OverlapPolicy.Allow, 2);
        (ClaimedRun first, ClaimedRun second) = (runs[0], runs[1]);
        await CompleteAsync(store, second, RunOutcome.Failed, T0.AddMinutes(2), error: "E: x", retryAt: T0.AddMinutes(3));
        Job before = (await store.GetAsync(job.Id, Token))!;

        Assert.Equal([RunReleaseStatus.Kept], await store.ReleaseRunsAsync([first], Token));
        Job kept = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(before.Version, kept.Version);
        Assert.Equal(1, kept.ActiveRuns);
        Assert.NotNull(await CompleteAsync(store, first, RunOutcome.Skipped, T0.AddMinutes(2)));
    }

    [Fact]
    public async Task Release_OverlapQueue_TheQueuedOccurrenceIsNotRunTwice()
    {
        (IJobStore store, _, ClaimedRun[] held) = await RunsOfOneJobAsync(OverlapPolicy.Queue, 1);
        Assert.Empty((await ClaimAsync(store, T0.AddMinutes(2))).Runs);

        // 00:02 was queued behind 00:01; giving 00:01 back brings both back, once each.
        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([held[0]], Token));
        (List<ClaimedRun> runs, _) = await ClaimAndCompleteAsync(store, [.. Enumerable.Range(1, 5).Select(i => T0.AddMinutes(2).AddSeconds(i))]);
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(2)], runs.Select(r => r.ScheduledTime));
    }

    [Fact]
    public async Task Release_OverlapAllow_ThreeRunsGivenBackInClaimOrder_AllComeBackOnce_NoneRecorded()
    {
        (IJobStore store, Job job, ClaimedRun[] runs) = await RunsOfOneJobAsync(OverlapPolicy.Allow, 3);
        (ClaimedRun first, ClaimedRun second, ClaimedRun third) = (runs[0], runs[1], runs[2]);

        // In the order claimed: the store takes one job's runs latest first, so each moves the next occurrence back by one.
        Assert.Equal([RunReleaseStatus.Released, RunReleaseStatus.Released, RunReleaseStatus.Released],
            await store.ReleaseRunsAsync([first, second, third], Token));
        Job released = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(T0.AddMinutes(1), released.NextRun);
        Assert.Equal(0, released.ActiveRuns);
        Assert.Equal(JobStatus.Pending, released.Status);
        Assert.Equal(0, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);

        ClaimBatch again = await ClaimAsync(store, T0.AddMinutes(3).AddSeconds(10));
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(2), T0.AddMinutes(3)], again.Runs.Select(r => r.ScheduledTime));
        Assert.All(again.Runs, r => Assert.Equal(1, r.Attempt));
        Assert.Empty(again.Skipped);
        Assert.Equal(T0.AddMinutes(4), (await store.GetAsync(job.Id, Token))!.NextRun);
    }

    [Fact]
    public async Task Release_OverlapSkip_AnOccurrenceSkippedWhileTheRunWasHeld_IsNotDecidedAgain()
    {
        (IJobStore store, Job job, ClaimedRun[] held) = await RunsOfOneJobAsync(OverlapPolicy.Skip, 1);
        ClaimedRun first = held[0];
        ClaimBatch overlapped = await ClaimAsync(store, T0.AddMinutes(2));
        Assert.Empty(overlapped.Runs);
        Assert.Equal(T0.AddMinutes(2), Assert.Single(overlapped.Skipped).ScheduledTime);

        // 00:02 was skipped (and reported) while 00:01 was held: 00:01 comes back alone, at once, as attempt 1.
        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([first], Token));
        Assert.Equal(T0.AddMinutes(1), (await store.GetAsync(job.Id, Token))!.NextRun);
        (List<ClaimedRun> runs, List<DateTimeOffset> skipped) = await ClaimAndCompleteAsync(store,
            T0.AddMinutes(2).AddSeconds(10), T0.AddMinutes(2).AddSeconds(20), T0.AddMinutes(3));
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(3)], runs.Select(r => r.ScheduledTime));
        Assert.All(runs, r => Assert.Equal(1, r.Attempt));
        Assert.Empty(skipped);
    }

    [Fact]
    public async Task Release_OverlapQueue_OccurrencesQueuedAndSkippedWhileTheRunWasHeld_AreNotDecidedAgain()
    {
        (IJobStore store, Job job, ClaimedRun[] held) = await RunsOfOneJobAsync(OverlapPolicy.Queue, 1);
        ClaimedRun first = held[0];
        Assert.Empty((await ClaimAsync(store, T0.AddMinutes(2))).Runs); // 00:02 queued
        Assert.Equal(T0.AddMinutes(3), Assert.Single((await ClaimAsync(store, T0.AddMinutes(3))).Skipped).ScheduledTime);

        // 00:01 comes back at once, 00:02 stays queued behind it, and 00:03 stays skipped.
        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([first], Token));
        (List<ClaimedRun> runs, List<DateTimeOffset> skipped) = await ClaimAndCompleteAsync(store,
            [.. Enumerable.Range(1, 5).Select(i => T0.AddMinutes(3).AddSeconds(10 * i))]);
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(2)], runs.Select(r => r.ScheduledTime));
        Assert.Empty(skipped);
        Assert.Equal(T0.AddMinutes(4), (await store.GetAsync(job.Id, Token))!.NextRun);
    }

    [Fact]
    public async Task Release_ARunNowClaim_OnlyDropsTheClaim_TheScheduleDoesNotMove()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        Clock.SetUtcNow(T0.AddSeconds(30));
        ClaimedRun manual = (await store.ClaimNowAsync(job.Id, Request(NodeA), Token))!;
        Assert.True(manual.IsManual);

        Assert.Equal([RunReleaseStatus.Released], await store.ReleaseRunsAsync([manual], Token));
        Job released = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal((JobStatus.Pending, 0, 0, 0), (released.Status, released.ActiveRuns, released.RunCount, released.FailureCount));
        Assert.Equal(T0.AddMinutes(1), released.NextRun);
        Assert.Equal(T0.AddMinutes(1), await store.NextDueAsync(Token));
        Assert.Empty((await ClaimAsync(store, T0.AddSeconds(40))).Runs);
        Assert.Equal([T0.AddMinutes(1)], (await ClaimAsync(store, T0.AddMinutes(1))).Runs.Select(r => r.ScheduledTime));
    }

    /// <summary>A store with one every-minute job (misfire grace ten minutes), and its runs of 00:01, 00:02... claimed one a minute.</summary>
    private async Task<(IJobStore Store, Job Job, ClaimedRun[] Runs)> RunsOfOneJobAsync(OverlapPolicy overlap, int count)
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), options: new JobOptions { Overlap = overlap, MisfireGraceTime = TimeSpan.FromMinutes(10) });
        await store.AddAsync(job, Token);
        var runs = new ClaimedRun[count];
        for (int i = 0; i < count; i++)
        {
            runs[i] = Assert.Single((await ClaimAsync(store, T0.AddMinutes(i + 1))).Runs);
        }

        return (store, job, runs);
    }

    /// <summary>Claims at each time in turn and completes every run claimed as a success at once.</summary>
    private async Task<(List<ClaimedRun> Runs, List<DateTimeOffset> Skipped)> ClaimAndCompleteAsync(IJobStore store, params DateTimeOffset[] times)
    {
        var runs = new List<ClaimedRun>();
        var skipped = new List<DateTimeOffset>();
        foreach (DateTimeOffset now in times)
        {
            ClaimBatch batch = await ClaimAsync(store, now);
            skipped.AddRange(batch.Skipped.Select(s => s.ScheduledTime));
            foreach (ClaimedRun run in batch.Runs)
            {
                runs.Add(run);
                await CompleteAsync(store, run, RunOutcome.Succeeded, now);
            }
        }

        return (runs, skipped);
    }
}
