using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Runs that outlive the shutdown timeout: interrupted by the shutdown, not failed, and run again if recoverable.</summary>
public partial class SchedulerTests
{
    /// <summary>
    /// Schedules a job that blocks on its token (except in a recovery run), starts it, and stops the scheduler past the
    /// shutdown timeout. The job's contexts and failure events are collected.
    /// </summary>
    private async Task<(Scheduler Scheduler, string Id, List<JobEvent> Failed, List<JobContext> Contexts)> StopDuringARunAsync(bool recoverable, int? maxRuns = null)
    {
        var scheduler = NewScheduler(shutdownTimeout: TimeSpan.FromSeconds(5));
        var started = new TaskCompletionSource();
        var failed = new List<JobEvent>();
        var contexts = new List<JobContext>();
        scheduler.JobFailed += (_, e) => failed.Add(e);
        string id = scheduler.Schedule(
            async (JobContext context, CancellationToken ct) =>
            {
                contexts.Add(context);
                if (!context.IsRecovery)
                {
                    started.TrySetResult();
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return null;
            },
            trigger: Every(minutes: 1), name: "long", maxRuns: maxRuns, options: new JobOptions { Recoverable = recoverable });
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(started.Task);
        await AdvanceUntilAsync(scheduler.StopAsync(TestContext.Current.CancellationToken), TimeSpan.FromSeconds(1));
        await Idle(scheduler);
        return (scheduler, id, failed, contexts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stop_ARunThatOutlivesTheShutdownTimeout_IsRecordedInterruptedByTheShutdown_NotFailed(bool recoverable)
    {
        (Scheduler scheduler, string id, List<JobEvent> failed, _) = await StopDuringARunAsync(recoverable);

        RunRecord run = Assert.Single((await scheduler.Store.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items);
        Assert.Equal(RunOutcome.Interrupted, run.Outcome);
        Assert.Contains("interrupted by the shutdown", run.Error, StringComparison.Ordinal);
        Assert.Equal(Monday.AddMinutes(1), run.ScheduledTime);
        JobEvent reported = Assert.Single(failed);
        Assert.Equal(RunOutcome.Interrupted, reported.Outcome);
        Assert.Equal(run.Error, reported.Error);
        Assert.Equal(recoverable ? Monday.AddMinutes(1) : null, reported.RetryAt);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(0, job.FailureCount);
        Assert.Equal(JobStatus.Pending, job.Status);
    }

    [Fact]
    public async Task Stop_InterruptingTheLastRunOfAJob_EndsItFailed_WithTheReason_ButCountsNoFailure()
    {
        (Scheduler scheduler, string id, _, _) = await StopDuringARunAsync(recoverable: false, maxRuns: 1);

        // Nothing is left to run and the run did not succeed, so the job did not complete; the shutdown is not its fault.
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(0, job.FailureCount);
        Assert.Equal(0, job.RunCount);
        Assert.Contains("interrupted by the shutdown", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AfterAShutdownInterruptedARecoverableRun_RunsThatOccurrenceAgainFirst_AsARecovery()
    {
        (Scheduler scheduler, string id, _, List<JobContext> contexts) = await StopDuringARunAsync(recoverable: true);
        Assert.Single(contexts);

        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal(2, contexts.Count);
        Assert.False(contexts[0].IsRecovery);
        Assert.True(contexts[1].IsRecovery);
        Assert.False(contexts[1].IsManual);
        Assert.Equal(Monday.AddMinutes(1), contexts[1].ScheduledTime);
        Assert.NotEqual(contexts[0].RunId, contexts[1].RunId);
        RunPage runs = await scheduler.Store.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken);
        Assert.Equal([RunOutcome.Succeeded, RunOutcome.Interrupted], runs.Items.Select(r => r.Outcome));
        Assert.Equal([contexts[1].RunId, contexts[0].RunId], runs.Items.Select(r => r.RunId));
        Assert.True(runs.Items[0].IsRecovery);
    }

    [Fact]
    public async Task RunNow_TheContextSaysItIsManual_AndCarriesTheRecordedRunId()
    {
        var scheduler = NewScheduler();
        JobContext? seen = null;
        string id = scheduler.Schedule((JobContext context, CancellationToken _) =>
        {
            seen = context;
            return Task.FromResult<object?>(null);
        }, trigger: Every(hours: 1), name: "manual");
        await scheduler.RunNowAsync(id, TestContext.Current.CancellationToken);
        Assert.NotNull(seen);
        Assert.True(seen.IsManual);
        Assert.False(seen.IsRecovery);
        RunRecord run = Assert.Single((await scheduler.Store.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items);
        Assert.Equal(run.RunId, seen.RunId);
    }
}
