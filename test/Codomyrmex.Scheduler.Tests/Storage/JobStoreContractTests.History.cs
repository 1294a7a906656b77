using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>The contract's run history, recovery and update rules.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task History_OneRecordPerCompletedRun_NewestFirst_WithEveryField()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), name: "report");
        await store.AddAsync(job, Token);
        ClaimedRun first = (await ClaimAsync(store, T0.AddMinutes(1))).Runs[0];
        await CompleteAsync(store, first, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(2), result: "done");
        ClaimedRun second = (await ClaimAsync(store, T0.AddMinutes(2))).Runs[0];
        await CompleteAsync(store, second, RunOutcome.Failed, T0.AddMinutes(2).AddSeconds(1), error: "IOException: disk full");
        ClaimedRun manual = (await ClaimNowAsync(store, job.Id, T0.AddMinutes(2).AddSeconds(30)))!;
        await CompleteAsync(store, manual, RunOutcome.Succeeded, T0.AddMinutes(2).AddSeconds(31), result: 7);

        RunPage page = await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token);
        Assert.Equal(3, page.Total);
        Assert.Equal([manual.RunId, second.RunId, first.RunId], page.Items.Select(r => r.RunId));

        RunRecord ok = page.Items[2];
        Assert.Equal(job.Id, ok.JobId);
        Assert.Equal("report", ok.JobName);
        Assert.Equal(T0.AddMinutes(1), ok.ScheduledTime);
        Assert.Equal(T0.AddMinutes(1), ok.StartedAt);
        Assert.Equal(T0.AddMinutes(1).AddSeconds(2), ok.FinishedAt);
        Assert.Equal(TimeSpan.FromSeconds(2), ok.Duration);
        Assert.Equal(NodeA.Name, ok.Node);
        Assert.Equal(NodeA.InstanceId, ok.InstanceId);
        Assert.Equal(RunOutcome.Succeeded, ok.Outcome);
        Assert.Equal("\"done\"", ok.Result);
        Assert.Null(ok.Error);
        Assert.Equal(1, ok.Attempt);
        Assert.False(ok.IsManual);
        Assert.False(ok.IsRecovery);

        RunRecord failed = page.Items[1];
        Assert.Equal(RunOutcome.Failed, failed.Outcome);
        Assert.Equal("IOException: disk full", failed.Error);
        Assert.Null(failed.Result);

        Assert.True(page.Items[0].IsManual);
        Assert.Equal("7", page.Items[0].Result);
    }

    [Fact]
    public async Task History_PagesAndFilters_PerJobAndAcrossJobs()
    {
        IJobStore store = CreateStore();
        Job a = NewJob(EveryMinute());
        Job b = NewJob(EveryMinute());
        await store.AddAsync(a, Token);
        await store.AddAsync(b, Token);
        var written = new List<string>();
        for (int minute = 1; minute <= 5; minute++)
        {
            foreach (ClaimedRun run in (await ClaimAsync(store, T0.AddMinutes(minute))).Runs.OrderBy(r => r.Job.Id, StringComparer.Ordinal))
            {
                bool fail = run.Job.Id == b.Id && minute % 2 == 0;
                await CompleteAsync(store, run, fail ? RunOutcome.Failed : RunOutcome.Succeeded, T0.AddMinutes(minute), error: fail ? "E: x" : null);
                written.Add(run.RunId);
            }
        }

        written.Reverse();
        RunPage all = await store.GetRunsAsync(new RunQuery { Limit = 4 }, Token);
        Assert.Equal(10, all.Total);
        Assert.Equal(written.Take(4), all.Items.Select(r => r.RunId));
        RunPage next = await store.GetRunsAsync(new RunQuery { Offset = 4, Limit = 4 }, Token);
        Assert.Equal(written.Skip(4).Take(4), next.Items.Select(r => r.RunId));

        RunPage bPage = await store.GetRunsAsync(new RunQuery { JobId = b.Id, Offset = 1, Limit = 2 }, Token);
        Assert.Equal(5, bPage.Total);
        Assert.Equal(2, bPage.Items.Count);
        Assert.All(bPage.Items, r => Assert.Equal(b.Id, r.JobId));

        RunPage bFailed = await store.GetRunsAsync(new RunQuery { JobId = b.Id, Outcome = RunOutcome.Failed }, Token);
        Assert.Equal(2, bFailed.Total);
        Assert.All(bFailed.Items, r => Assert.Equal(RunOutcome.Failed, r.Outcome));
        Assert.Equal([T0.AddMinutes(4), T0.AddMinutes(2)], bFailed.Items.Select(r => r.ScheduledTime));

        Assert.Equal(0, (await store.GetRunsAsync(new RunQuery { JobId = "unknown-id" }, Token)).Total);
        Assert.Empty((await store.GetRunsAsync(new RunQuery { Limit = 0 }, Token)).Items);
    }

    [Fact]
    public async Task History_MaxRunsPerJob_KeepsTheNewestRunsPerJob_AndCutsResults()
    {
        IJobStore store = CreateStore(new RunHistoryOptions { MaxRunsPerJob = 3, MaxResultLength = 5 });
        Job busy = NewJob(EveryMinute());
        Job quiet = NewJob(EveryMinute());
        await store.AddAsync(busy, Token);
        await store.AddAsync(quiet, Token);
        for (int minute = 1; minute <= 8; minute++)
        {
            foreach (ClaimedRun run in (await ClaimAsync(store, T0.AddMinutes(minute))).Runs)
            {
                await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(minute), result: "a long result");
            }

            await store.CancelAsync(quiet.Id, Token);
        }

        RunPage kept = await store.GetRunsAsync(new RunQuery { JobId = busy.Id }, Token);
        Assert.Equal(3, kept.Total);
        Assert.Equal([T0.AddMinutes(8), T0.AddMinutes(7), T0.AddMinutes(6)], kept.Items.Select(r => r.ScheduledTime));

        // The quiet job's record is bounded in size.
        RunRecord quietRecord = Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = quiet.Id }, Token)).Items);
        Assert.Equal(5, quietRecord.Result!.Length);
        Assert.EndsWith("…", quietRecord.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_MaxRunsPerJobZero_KeepsNothing_ButTheJobStillCounts()
    {
        IJobStore store = CreateStore(new RunHistoryOptions { MaxRunsPerJob = 0 });
        Job job = NewJob();
        await store.AddAsync(job, Token);
        ClaimedRun run = (await ClaimAsync(store, T0)).Runs[0];
        Job after = (await CompleteAsync(store, run, RunOutcome.Succeeded, T0))!;
        Assert.Equal(1, after.RunCount);
        Assert.Equal(0, (await store.GetRunsAsync(default, Token)).Total);
    }

    [Fact]
    public async Task Recover_LostRun_IsRecordedAsInterrupted_AndCountsAsAFailure()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = (await ClaimAsync(store, T0.AddMinutes(1), 1, NewNode("node-dead"), TimeSpan.FromMinutes(1))).Runs[0];
        Assert.Single(await RecoverAsync(store, T0.AddMinutes(3)));

        RunRecord record = Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items);
        Assert.Equal(run.RunId, record.RunId);
        Assert.Equal(RunOutcome.Interrupted, record.Outcome);
        Assert.Equal("node-dead", record.Node);
        Assert.Equal(T0.AddMinutes(1), record.ScheduledTime);
        Assert.Contains("node-dead", record.Error, StringComparison.Ordinal);
        Job after = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(1, after.FailureCount);
        Assert.Equal(JobStatus.Pending, after.Status);
        Assert.Equal(T0.AddMinutes(2), after.NextRun); // the next occurrence (missed by now), not a re-run.
    }

    [Fact]
    public async Task Recover_LostRunOfARecoverableJob_RunsTheOccurrenceAgain_Marked()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true });
        await store.AddAsync(job, Token);
        ClaimedRun lost = (await ClaimAsync(store, T0.AddMinutes(1), 1, NewNode("node-dead"), TimeSpan.FromMinutes(1))).Runs[0];
        await RecoverAsync(store, T0.AddMinutes(2).AddSeconds(30));
        Job waiting = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(0, waiting.FailureCount);
        Assert.Equal(JobStatus.Pending, waiting.Status);

        // The lost occurrence comes before the later ones; the 00:02 occurrence then overlaps the re-run and is skipped.
        Assert.Equal(lost.ScheduledTime, await store.NextDueAsync(Token));
        ClaimBatch batch = await ClaimAsync(store, T0.AddMinutes(2).AddSeconds(30));
        ClaimedRun rerun = Assert.Single(batch.Runs);
        Assert.Equal(T0.AddMinutes(2), Assert.Single(batch.Skipped).ScheduledTime);
        Assert.True(rerun.IsRecovery);
        Assert.Equal(lost.ScheduledTime, rerun.ScheduledTime);
        Assert.Equal(2, rerun.Attempt);
        await CompleteAsync(store, rerun, RunOutcome.Succeeded, T0.AddMinutes(2).AddSeconds(31));
        RunPage history = await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token);
        Assert.Equal([(RunOutcome.Succeeded, true), (RunOutcome.Interrupted, false)], history.Items.Select(r => (r.Outcome, r.IsRecovery)));

        // The next scheduled occurrence is an ordinary run again.
        ClaimedRun next = Assert.Single((await ClaimAsync(store, T0.AddMinutes(3))).Runs);
        Assert.False(next.IsRecovery);
        Assert.Equal(1, next.Attempt);
        Assert.Equal(1, (await CompleteAsync(store, next, RunOutcome.Succeeded, T0.AddMinutes(3)))!.RunCount - 1);
    }

    [Fact]
    public async Task Update_NewTrigger_MovesTheNextRun_AndRevivesAFinishedJob()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(new OnceTrigger(T0.AddMinutes(1)), name: "once");
        await store.AddAsync(job, Token);
        ClaimedRun run = (await ClaimAsync(store, T0.AddMinutes(1))).Runs[0];
        Job done = (await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1)))!;
        Assert.Equal(JobStatus.Completed, done.Status);

        var hourly = new IntervalTrigger(TimeSpan.FromHours(1), T0);
        Job revived = (await store.UpdateAsync(done with { Trigger = hourly, NextRun = T0.AddHours(1) }, Token))!;
        Assert.Equal(JobStatus.Pending, revived.Status);
        Assert.Equal(T0.AddHours(1), revived.NextRun);
        Assert.Equal(1, revived.RunCount);
        Assert.Equal(T0.AddHours(1), await store.NextDueAsync(Token));
        Assert.Equal(1, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);

        // A rename alone leaves the schedule as it is.
        Job renamed = (await store.UpdateAsync(revived with { Name = "hourly", NextRun = T0.AddDays(9) }, Token))!;
        Assert.Equal("hourly", renamed.Name);
        Assert.Equal(T0.AddHours(1), renamed.NextRun);
    }
}
