using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Fencing: every claim a new, larger token; a stale claim completes and renews nothing.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task FencingToken_GrowsWithEveryClaim_DueNowAndRecoveryAlike_OnBothInstances()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job a = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true, Overlap = OverlapPolicy.Allow });
        Job b = NewJob(EveryMinute());
        await store.AddAsync(a, Token);
        await store.AddAsync(b, Token);
        var tokens = new List<long>();
        ClaimBatch first = await ClaimAsync(store, T0.AddMinutes(1), node: NodeA, lease: TimeSpan.FromMinutes(1));
        tokens.AddRange(first.Runs.Select(r => r.FencingToken));
        tokens.Add((await second.ClaimNowAsync(b.Id, Request(NodeB), Token))!.FencingToken);

        // a's run is lost with node A; its re-run is a new claim with a new token.
        ClaimedRun lost = first.Runs.Single(r => r.Job.Id == a.Id);
        At(T0.AddMinutes(2).AddSeconds(30));
        Assert.Contains(lost.RunId, (await second.RecoverExpiredAsync(Token)).Select(r => r.RunId));
        ClaimBatch rerun = await second.ClaimDueAsync(Request(NodeB), Token);
        ClaimedRun recovery = rerun.Runs.Single(r => r.IsRecovery);
        Assert.Equal(lost.ScheduledTime, recovery.ScheduledTime);
        tokens.AddRange(rerun.Runs.Select(r => r.FencingToken));

        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        Assert.Equal(tokens.Order(), tokens);
        Assert.True(recovery.FencingToken > lost.FencingToken);
    }

    [Fact]
    public async Task Complete_StaleClaim_IsFenced_AndRecordsNothing()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true });
        await store.AddAsync(job, Token);
        ClaimedRun stale = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: NodeA, lease: TimeSpan.FromMinutes(1))).Runs);

        // Node A pauses past its lease; node B recovers the run and runs the occurrence again.
        At(T0.AddMinutes(3));
        Assert.Single(await second.RecoverExpiredAsync(Token));
        ClaimedRun rerun = (await second.ClaimDueAsync(Request(NodeB), Token)).Runs.Single(r => r.IsRecovery);
        Job before = (await store.GetAsync(job.Id, Token))!;
        int historyBefore = (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total;

        // A wakes up and reports success: refused, and nothing of it is recorded.
        RunCompletionResult late = await store.CompleteRunAsync(Completion(stale, RunOutcome.Succeeded, T0.AddMinutes(3), result: "late"), Token);
        Assert.Equal(RunCompletionStatus.Fenced, late.Status);
        Assert.Null(late.Job);
        Job after = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.RunCount, after.RunCount);
        Assert.Equal(before.FailureCount, after.FailureCount);
        Assert.Equal(before.ActiveRuns, after.ActiveRuns);
        Assert.Null(after.Result);
        Assert.Equal(historyBefore, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);

        // B's claim is the live one.
        Job recorded = (await CompleteAsync(second, rerun, RunOutcome.Succeeded, T0.AddMinutes(3).AddSeconds(1), result: "ok"))!;
        Assert.Equal(1, recorded.RunCount);
        Assert.Equal("\"ok\"", Json(recorded.Result));
    }

    [Fact]
    public async Task Complete_WithAnotherInstanceOrToken_IsFenced_TheRealClaimStillCompletes()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: NodeA)).Runs);
        NodeIdentity twin = NewNode(NodeA.Name, "2");
        ClaimedRun byTwin = Copy(run, instanceId: twin.InstanceId);
        ClaimedRun oldToken = Copy(run, fencingToken: run.FencingToken - 1);
        Assert.Equal(RunCompletionStatus.Fenced, (await store.CompleteRunAsync(Completion(byTwin, RunOutcome.Failed, T0.AddMinutes(1)), Token)).Status);
        Assert.Equal(RunCompletionStatus.Fenced, (await store.CompleteRunAsync(Completion(oldToken, RunOutcome.Failed, T0.AddMinutes(1)), Token)).Status);
        Assert.Equal(1, (await store.GetAsync(job.Id, Token))!.ActiveRuns);
        Assert.Equal(0, (await store.GetRunsAsync(default, Token)).Total);
        Assert.NotNull(await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1)));
    }

    [Fact]
    public async Task Complete_JobDeleted_IsNotFound()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), lease: TimeSpan.FromMinutes(1))).Runs);
        await RecoverAsync(store, T0.AddMinutes(5));
        await store.CancelAsync(job.Id, Token);
        Assert.True(await store.DeleteAsync(job.Id, Token));
        RunCompletionResult result = await store.CompleteRunAsync(Completion(run, RunOutcome.Succeeded, T0.AddMinutes(5)), Token);
        Assert.Equal(RunCompletionStatus.NotFound, result.Status);
    }

    [Fact]
    public async Task Renew_ReportsLostRuns_AndRenewsOnlyTheLiveClaims()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job kept = NewJob(EveryMinute());
        Job taken = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true });
        Job done = NewJob(EveryMinute());
        foreach (Job job in new[] { kept, taken, done })
        {
            await store.AddAsync(job, Token);
        }

        ClaimBatch batch = await ClaimAsync(store, T0.AddMinutes(1), node: NodeA, lease: TimeSpan.FromMinutes(1));
        ClaimedRun keptRun = batch.Runs.Single(r => r.Job.Id == kept.Id);
        ClaimedRun takenRun = batch.Runs.Single(r => r.Job.Id == taken.Id);
        ClaimedRun doneRun = batch.Runs.Single(r => r.Job.Id == done.Id);
        await CompleteAsync(store, doneRun, RunOutcome.Succeeded, T0.AddMinutes(1));

        // kept's lease is renewed in time; taken's runs out and node B takes the occurrence over.
        At(T0.AddMinutes(1).AddSeconds(50));
        Assert.Equal(1, (await second.RenewAsync(Heartbeat(NodeA, TimeSpan.FromMinutes(1), keptRun), Token)).Renewed);
        At(T0.AddMinutes(2).AddSeconds(10));
        Assert.Equal(takenRun.RunId, Assert.Single(await second.RecoverExpiredAsync(Token)).RunId);
        await second.ClaimDueAsync(Request(NodeB), Token);

        LeaseRenewal renewal = await store.RenewAsync(Heartbeat(NodeA, TimeSpan.FromMinutes(1), keptRun, takenRun, doneRun), Token);
        Assert.Equal(1, renewal.Renewed);
        Assert.Equal(new[] { takenRun.RunId, doneRun.RunId }.Order(StringComparer.Ordinal), renewal.Lost.Order(StringComparer.Ordinal));
        Assert.Equal(T0.AddMinutes(3).AddSeconds(10), renewal.LeaseUntil);

        // The renewal moved kept's lease by the store's clock: it is not lost at 00:03, it is at 00:03:10.
        At(T0.AddMinutes(3));
        Assert.DoesNotContain(keptRun.RunId, (await store.RecoverExpiredAsync(Token)).Select(r => r.RunId));
        At(T0.AddMinutes(3).AddSeconds(10));
        Assert.Contains(keptRun.RunId, (await store.RecoverExpiredAsync(Token)).Select(r => r.RunId));
    }

    [Fact]
    public async Task Renew_TwoInstancesOfOneName_NeverRenewEachOthersRuns()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        NodeIdentity web1 = NewNode("web", "1");
        NodeIdentity web2 = NewNode("web", "2");
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: web1, lease: TimeSpan.FromMinutes(1))).Runs);
        Assert.Equal("web", run.NodeName);
        Assert.Equal(web1.InstanceId, run.InstanceId);

        // web/2 claims to hold the run (a confused or malicious twin): refused, and the run's lease is not moved.
        LeaseRenewal twin = await second.RenewAsync(Heartbeat(web2, TimeSpan.FromHours(1), run), Token);
        Assert.Equal(0, twin.Renewed);
        Assert.Equal([run.RunId], twin.Lost);
        At(T0.AddMinutes(2));
        Assert.Equal(run.RunId, Assert.Single(await second.RecoverExpiredAsync(Token)).RunId);
        Assert.Equal([run.RunId], (await store.RenewAsync(Heartbeat(web1, runs: run), Token)).Lost);
    }

    private static ClaimedRun Copy(ClaimedRun run, string? instanceId = null, long? fencingToken = null) => new()
    {
        RunId = run.RunId,
        Job = run.Job,
        ScheduledTime = run.ScheduledTime,
        ClaimedAt = run.ClaimedAt,
        InstanceId = instanceId ?? run.InstanceId,
        NodeName = run.NodeName,
        LeaseUntil = run.LeaseUntil,
        IsManual = run.IsManual,
        Attempt = run.Attempt,
        IsRecovery = run.IsRecovery,
        FencingToken = fencingToken ?? run.FencingToken,
    };
}
