using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>The public state machine as a third-party store calls it: DateTimeOffset in, small results out.</summary>
public class JobStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly IntervalTrigger EveryMinute = new(TimeSpan.FromMinutes(1), T0);

    private static Job NewJob(DateTimeOffset? nextRun, Trigger? trigger = null, int? maxRuns = null) =>
        new() { Id = "0000000000001", Name = "job", Trigger = trigger, NextRun = nextRun, MaxRuns = maxRuns, CreatedAt = T0, Version = 1 };

    private static ClaimedRun Run(ClaimResult claim, DateTimeOffset claimedAt) => new()
    {
        RunId = RunIds.New(),
        Job = NewJob(T0),
        ScheduledTime = claim.ScheduledTime,
        ClaimedAt = claimedAt,
        InstanceId = "node/1",
        NodeName = "node",
        Attempt = claim.Attempt,
        IsRecovery = claim.IsRecovery,
    };

    [Fact]
    public void ForNewJob_PendingAtTheFirstRun_OrCompletedWithNone()
    {
        JobState pending = JobState.ForNewJob(NewJob(T0.AddMinutes(1)));
        Assert.Equal(JobStatus.Pending, pending.Status);
        Assert.Equal(T0.AddMinutes(1), pending.DueAt);
        Assert.Equal(T0.AddMinutes(1).UtcTicks, pending.DueAtTicks);
        Assert.Equal(1, pending.Version);
        JobState done = JobState.ForNewJob(NewJob(null));
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.True(done.IsFinished);
        Assert.Null(done.DueAt);
    }

    [Fact]
    public void Claim_Run_AdvancesTheOccurrence_AndSaysWhichOccurrenceAndAttempt()
    {
        JobState state = JobState.ForNewJob(NewJob(T0.AddMinutes(1), EveryMinute));
        ClaimResult claim = state.Claim(EveryMinute, JobOptions.Default, maxRuns: null, T0.AddMinutes(1).AddSeconds(2));
        Assert.Equal(ClaimDecision.Run, claim.Decision);
        Assert.Equal(T0.AddMinutes(1), claim.ScheduledTime);
        Assert.Equal(1, claim.Attempt);
        Assert.False(claim.IsRecovery);
        Assert.Null(claim.SkipReason);
        Assert.Equal(JobStatus.Running, state.Status);
        Assert.Equal(1, state.ActiveRuns);
        Assert.Equal(T0.AddMinutes(2).UtcTicks, state.NextRunTicks);

        ClaimResult overlap = state.Claim(EveryMinute, JobOptions.Default, maxRuns: null, T0.AddMinutes(2));
        Assert.Equal(ClaimDecision.Skip, overlap.Decision);
        Assert.Equal(SkipReason.Overlap, overlap.SkipReason);
        Assert.Equal(T0.AddMinutes(2), overlap.ScheduledTime);
    }

    [Fact]
    public void Complete_FailedWithARetry_IsAPendingRetry_ThenTheRetryRunsFirst()
    {
        JobState state = JobState.ForNewJob(NewJob(T0, maxRuns: 1));
        ClaimResult first = state.Claim(null, JobOptions.Default, 1, T0);
        state.Complete(new RunCompletion
        {
            Run = Run(first, T0),
            Outcome = RunOutcome.Failed,
            StartedAt = T0,
            FinishedAt = T0.AddSeconds(3),
            RetryAt = T0.AddSeconds(30),
        }, T0.AddSeconds(3));
        Assert.Equal(JobStatus.Pending, state.Status);
        Assert.Equal(0, state.FailureCount);
        Assert.Equal(T0.AddSeconds(30), state.DueAt);
        Assert.Equal(T0.AddSeconds(30), state.GetShownNextRun(null));
        Assert.Equal(TimeSpan.FromSeconds(3).Ticks, state.LastDurationTicks);
        Assert.True(state.LimitReached(1));

        ClaimResult retry = state.Claim(null, JobOptions.Default, 1, T0.AddSeconds(30));
        Assert.Equal((ClaimDecision.Run, T0, 2), (retry.Decision, retry.ScheduledTime, retry.Attempt));
        state.Complete(new RunCompletion { Run = Run(retry, T0.AddSeconds(30)), Outcome = RunOutcome.Failed, StartedAt = T0, FinishedAt = T0 }, T0.AddSeconds(30));
        Assert.Equal(JobStatus.Failed, state.Status);
        Assert.Equal(1, state.FailureCount);
    }

    [Fact]
    public void Complete_RetryAfter_CountsFromTheStoresTime_AndNoOverloadTakesTheNodesTimeInstead()
    {
        JobState state = JobState.ForNewJob(NewJob(T0, maxRuns: 1));
        ClaimResult first = state.Claim(null, JobOptions.Default, 1, T0);
        DateTimeOffset nodeFinished = T0.AddHours(1); // a node whose clock runs an hour ahead
        state.Complete(new RunCompletion
        {
            Run = Run(first, T0),
            Outcome = RunOutcome.Failed,
            StartedAt = T0,
            FinishedAt = nodeFinished,
            RetryAfter = TimeSpan.FromSeconds(30),
        }, T0.AddSeconds(3));
        Assert.Equal(T0.AddSeconds(33), state.DueAt);

        // Every way to complete a run takes the store's time: none may time a retry by the node's FinishedAt.
        Assert.All(
            typeof(JobState).GetMethods().Where(m => m.Name == nameof(JobState.Complete)),
            m => Assert.Contains(m.GetParameters(), p => p.ParameterType == typeof(DateTimeOffset)));
    }

    [Fact]
    public void Interrupt_RecoverableJob_RunsTheOccurrenceAgainAsARecovery_OtherwiseCountsAFailure()
    {
        JobState recoverable = JobState.ForNewJob(NewJob(T0.AddMinutes(1), EveryMinute));
        ClaimResult lost = recoverable.Claim(EveryMinute, JobOptions.Default, null, T0.AddMinutes(1));
        recoverable.Interrupt(Run(lost, T0.AddMinutes(1)), T0.AddMinutes(3), recoverable: true);
        Assert.Equal(0, recoverable.FailureCount);
        Assert.Equal(T0.AddMinutes(1), recoverable.DueAt);
        ClaimResult again = recoverable.Claim(EveryMinute, JobOptions.Default, null, T0.AddMinutes(3));
        Assert.True(again.IsRecovery);
        Assert.Equal(T0.AddMinutes(1), again.ScheduledTime);

        JobState plain = JobState.ForNewJob(NewJob(T0.AddMinutes(1), EveryMinute));
        ClaimResult gone = plain.Claim(EveryMinute, JobOptions.Default, null, T0.AddMinutes(1));
        plain.Interrupt(Run(gone, T0.AddMinutes(1)), T0.AddMinutes(3), recoverable: false);
        Assert.Equal(1, plain.FailureCount);
        Assert.Equal(0, plain.ActiveRuns);
    }

    [Fact]
    public void ApplyUpdate_MovesTheNextRunOnlyForANewTriggerOrLimit()
    {
        Job job = NewJob(T0.AddMinutes(1), EveryMinute);
        JobState state = JobState.ForNewJob(job);
        Assert.False(state.ApplyUpdate(EveryMinute, null, job with { Name = "renamed", Trigger = new IntervalTrigger(TimeSpan.FromMinutes(1), T0), NextRun = T0.AddDays(1) }));
        Assert.Equal(T0.AddMinutes(1), state.DueAt);
        Assert.Equal(2, state.Version);
        var hourly = new IntervalTrigger(TimeSpan.FromHours(1), T0);
        Assert.True(state.ApplyUpdate(EveryMinute, null, job with { Trigger = hourly, NextRun = T0.AddHours(1) }));
        Assert.Equal(T0.AddHours(1), state.DueAt);
    }

    [Fact]
    public void PauseAndCancel_SayWhetherTheyChangedAnything_AndNextRunIsShownInTheTriggersOffset()
    {
        var berlin = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(1));
        var once = new OnceTrigger(berlin);
        JobState state = JobState.ForNewJob(NewJob(berlin, once));
        Assert.Equal(TimeSpan.FromHours(1), state.GetShownNextRun(once)!.Value.Offset);
        Assert.True(state.SetPaused(true));
        Assert.False(state.SetPaused(true));
        Assert.Null(state.DueAt);
        Assert.True(state.Cancel());
        Assert.False(state.Cancel());
        Assert.False(state.IsPaused);
        Assert.False(state.SetPaused(true));
        Assert.Null(state.GetShownNextRun(once));
    }
}
