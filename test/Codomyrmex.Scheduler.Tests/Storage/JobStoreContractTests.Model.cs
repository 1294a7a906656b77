using CsCheck;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Random sequences of operations on two instances of one store, checked against a model of the claims: one live claim
/// per run, tokens unique and growing, completions and recoveries each once, counters and history consistent; a run given back
/// counts nothing and its occurrence is claimed again, never twice at once, and is never lost.
/// </summary>
public abstract partial class JobStoreContractTests
{
    private enum ModelOp
    {
        Add,
        Claim,
        Complete,
        Renew,
        Advance,
        Recover,
        Cancel,
        Release,
    }

    private static readonly Gen<(ModelOp Op, int A, int B)[]> ModelOps =
        Gen.Select(Gen.Enum<ModelOp>(), Gen.Int[0, 1000], Gen.Int[0, 1000]).Array[1, 40];

    [Fact]
    public async Task Model_RandomOperationsOnTwoInstances_KeepTheInvariants()
    {
        await ModelOps.SampleAsync(RunModelAsync, iter: 60, threads: 1);
    }

    private async Task RunModelAsync((ModelOp Op, int A, int B)[] ops)
    {
        var clock = new FakeTimeProvider(T0);
        IJobStore first = CreateStore(new ContractStoreOptions { Time = clock, History = new RunHistoryOptions { MaxRunsPerJob = null } });
        IJobStore[] instances = [first, OpenSecond(first)];
        NodeIdentity[] nodes = [NewNode("model", "1"), NewNode("model", "2")];
        var jobs = new List<string>();
        var runs = new List<ModelRun>();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        long lastToken = long.MinValue;
        foreach ((ModelOp op, int a, int b) in ops)
        {
            IJobStore instance = instances[a % 2];
            NodeIdentity node = nodes[b % 2];
            switch (op)
            {
                case ModelOp.Add:
                    Job job = NewJob(new IntervalTrigger(TimeSpan.FromMinutes(1), clock.GetUtcNow()),
                        options: new JobOptions { Overlap = OverlapPolicy.Allow, MisfireGraceTime = TimeSpan.FromDays(1) });
                    Assert.True((await instance.AddAsync(job, Token)).Added);
                    jobs.Add(job.Id);
                    outcomes[job.Id] = 0;
                    break;
                case ModelOp.Claim:
                    ClaimBatch batch = await instance.ClaimDueAsync(new ClaimRequest { Node = node, MaxRuns = 1 + (a % 5), LeaseDuration = TimeSpan.FromMinutes(2) }, Token);
                    foreach (ClaimedRun claimed in batch.Runs)
                    {
                        Assert.True(claimed.FencingToken > lastToken, "Fencing tokens must grow with every claim.");
                        lastToken = claimed.FencingToken;
                        Assert.DoesNotContain(runs, r => r.Run.RunId == claimed.RunId);
                        Assert.DoesNotContain(runs, r => !r.Released && r.Run.Job.Id == claimed.Job.Id && r.Run.ScheduledTime == claimed.ScheduledTime);
                        Assert.Equal(node.InstanceId, claimed.InstanceId);
                        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(2), claimed.LeaseUntil);
                        runs.Add(new ModelRun(claimed) { LeaseUntil = claimed.LeaseUntil });
                    }

                    break;
                case ModelOp.Complete when runs.Count > 0:
                    ModelRun run = runs[a % runs.Count];
                    RunOutcome outcome = b % 3 == 0 ? RunOutcome.Failed : RunOutcome.Succeeded;
                    RunCompletionResult result = await instance.CompleteRunAsync(Completion(run.Run, outcome, clock.GetUtcNow()), Token);
                    Assert.Equal(run.IsLive ? RunCompletionStatus.Recorded : RunCompletionStatus.Fenced, result.Status);
                    if (run.IsLive)
                    {
                        run.Completed = true;
                        outcomes[run.Run.Job.Id]++;
                    }

                    run.KnownDone = true;
                    break;
                case ModelOp.Renew:
                    ModelRun[] held = runs.Where(r => r.Run.InstanceId == node.InstanceId && !r.KnownDone).ToArray();
                    LeaseRenewal renewal = await instance.RenewAsync(Heartbeat(node, TimeSpan.FromMinutes(2), held.Select(r => r.Run).ToArray()), Token);
                    Assert.Equal(held.Where(r => !r.IsLive).Select(r => r.Run.RunId).Order(StringComparer.Ordinal), renewal.Lost.Order(StringComparer.Ordinal));
                    Assert.Equal(held.Count(r => r.IsLive), renewal.Renewed);
                    foreach (ModelRun renewed in held.Where(r => r.IsLive))
                    {
                        renewed.LeaseUntil = clock.GetUtcNow() + TimeSpan.FromMinutes(2);
                    }

                    break;
                case ModelOp.Advance:
                    clock.Advance(TimeSpan.FromSeconds(a % 150));
                    break;
                case ModelOp.Recover:
                    IReadOnlyList<ClaimedRun> lost = await instance.RecoverExpiredAsync(Token);
                    ModelRun[] expired = runs.Where(r => r.IsLive && r.LeaseUntil <= clock.GetUtcNow()).ToArray();
                    Assert.Equal(expired.Select(r => r.Run.RunId).Order(StringComparer.Ordinal), lost.Select(r => r.RunId).Order(StringComparer.Ordinal));
                    foreach (ModelRun gone in expired)
                    {
                        gone.Recovered = true;
                        outcomes[gone.Run.Job.Id]++;
                    }

                    break;
                case ModelOp.Release when runs.Count > 0:
                    ModelRun[] giving = [.. Enumerable.Range(0, 1 + (b % 4)).Select(i => runs[(a + (i * 7)) % runs.Count]).Distinct()];
                    IReadOnlyList<RunReleaseStatus> statuses = await instance.ReleaseRunsAsync([.. giving.Select(r => r.Run)], Token);
                    Assert.Equal(giving.Length, statuses.Count);
                    for (int i = 0; i < giving.Length; i++)
                    {
                        if (!giving[i].IsLive)
                        {
                            Assert.Equal(RunReleaseStatus.Fenced, statuses[i]);
                            continue;
                        }

                        Assert.True(statuses[i] is RunReleaseStatus.Released or RunReleaseStatus.Kept, $"A live claim given back was answered {statuses[i]}.");
                        giving[i].Released = statuses[i] == RunReleaseStatus.Released;
                        giving[i].KnownDone |= giving[i].Released;
                    }

                    break;
                case ModelOp.Cancel when jobs.Count > 0:
                    Assert.NotNull(await instance.CancelAsync(jobs[a % jobs.Count], Token));
                    break;
            }
        }

        foreach (string id in jobs)
        {
            Job job = (await instances[1].GetAsync(id, Token))!;
            Assert.Equal(runs.Count(r => r.Run.Job.Id == id && r.IsLive), job.ActiveRuns);
            Assert.Equal(outcomes[id], (await instances[0].GetRunsAsync(new RunQuery { JobId = id }, Token)).Total);
            Assert.Equal(outcomes[id], job.RunCount + job.FailureCount);

            // A given-back occurrence not claimed again is still due: the job is due at or before it (or was cancelled).
            foreach (ModelRun given in runs.Where(r => r.Released && r.Run.Job.Id == id))
            {
                bool claimedAgain = runs.Any(r => r != given && r.Run.Job.Id == id && r.Run.ScheduledTime == given.Run.ScheduledTime
                    && r.Run.FencingToken > given.Run.FencingToken);
                Assert.True(claimedAgain || job.Status == JobStatus.Cancelled || job.NextRun <= given.Run.ScheduledTime,
                    $"The occurrence {given.Run.ScheduledTime:O} given back is lost: the job is {job.Status}, next run {job.NextRun:O}.");
            }
        }
    }

    /// <summary>What the model knows of a claimed run.</summary>
    private sealed class ModelRun(ClaimedRun run)
    {
        public ClaimedRun Run { get; } = run;

        public DateTimeOffset LeaseUntil { get; set; }

        public bool Completed { get; set; }

        public bool Recovered { get; set; }

        /// <summary>Whether it was given back unstarted (its occurrence is due again).</summary>
        public bool Released { get; set; }

        /// <summary>Whether its node has completed it (or been told it is gone), so the node no longer lists it as held.</summary>
        public bool KnownDone { get; set; }

        public bool IsLive => !Completed && !Recovered && !Released;
    }
}
