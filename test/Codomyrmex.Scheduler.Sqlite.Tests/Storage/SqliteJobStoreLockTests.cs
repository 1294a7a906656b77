using System.Globalization;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>
/// One process at a time dispatches from a file; the stores of that process share its lock; others may still read and change
/// jobs; a dead holder's lock is taken over.
/// </summary>
public sealed class SqliteJobStoreLockTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _clock = new(T0);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task TwoStoresOfThisProcess_ShareTheLock_BothDispatch_AndTheProcessLetsGoWithTheLast()
    {
        string path = _folder.NewPath();
        SqliteJobStore first = SqliteJobStoreFileTests.Open(path, _clock);
        using SqliteJobStore second = SqliteJobStoreFileTests.Open(path, _clock);
        await first.RecoverExpiredAsync(Token);
        await second.RecoverExpiredAsync(Token);
        await second.AddAsync(SqliteJobStoreFileTests.TaskJob("0000000000001"), Token);
        await second.AddAsync(SqliteJobStoreFileTests.TaskJob("0000000000002"), Token);
        ClaimedRun a = Assert.Single((await first.ClaimDueAsync(1, "a", Lease, Token)).Runs);
        ClaimedRun b = Assert.Single((await second.ClaimDueAsync(1, "b", Lease * 2, Token)).Runs);
        Assert.NotEqual(a.Job.Id, b.Job.Id);
        Assert.True(b.FencingToken > a.FencingToken);

        // One process, one epoch: the second does not take the first's run for a dead holder's; only its lease ends it.
        first.Dispose();
        Assert.Equal(Environment.ProcessId, second.GetLockHolder()?.ProcessId);
        Assert.Empty(await second.RecoverExpiredAsync(Token));
        _clock.Advance(Lease);
        Assert.Equal(a.RunId, Assert.Single(await second.RecoverExpiredAsync(Token)).RunId);

        second.Dispose();
        using SqliteJobStore reader = SqliteJobStoreFileTests.Open(path, _clock);
        Assert.Null(reader.GetLockHolder());
    }

    [Fact]
    public async Task AnotherLiveProcess_HoldsTheLock_IsRefusedNamingIt_AndWhenItDies_ItsLockAndRunsAreTakenOver()
    {
        string path = _folder.NewPath();
        using SqliteJobStore store = SqliteJobStoreFileTests.Open(path, _clock);
        Job job = SqliteJobStoreFileTests.TaskJob("0000000000001");
        await store.AddAsync(job, Token);

        using var child = TestHost.Start("hold", path, T0.ToString("O", CultureInfo.InvariantCulture));
        await child.WaitForLineAsync("ready", Token);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.RecoverExpiredAsync(Token));
        Assert.Contains($"in use by process {child.Id} (Codomyrmex.Scheduler.Sqlite.TestHost) on host {Environment.MachineName}", error.Message,
            StringComparison.Ordinal);
        Assert.Contains("stop it first", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.ClaimDueAsync(10, "a", Lease, Token));
        Assert.Equal(JobStatus.Running, (await store.GetAsync(job.Id, Token))!.Status);

        // schedctl-style use meanwhile: add and cancel through a store that does not dispatch.
        await store.AddAsync(SqliteJobStoreFileTests.TaskJob("0000000000002", firstRun: T0.AddDays(1)), Token);
        Assert.Equal(JobStatus.Cancelled, (await store.CancelAsync("0000000000002", Token))!.Status);

        child.Kill();
        _clock.Advance(TimeSpan.FromMinutes(1));
        ClaimedRun lost = Assert.Single(await store.RecoverExpiredAsync(Token));
        Assert.Equal("child", lost.NodeName);
        Assert.StartsWith("child/", lost.InstanceId, StringComparison.Ordinal);
        Job after = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(JobStatus.Failed, after.Status);
        Assert.Contains("ended before the run completed", after.Error, StringComparison.Ordinal);
        RunRecord record = Assert.Single(await SqliteJobStoreFileTests.HistoryAsync(path));
        Assert.Equal(RunOutcome.Interrupted, record.Outcome);
        Assert.Equal(lost.RunId, record.RunId);
        Assert.Equal(lost.InstanceId, record.InstanceId);
    }

    [Fact]
    public async Task ManualRun_WhileAnotherStoreDispatches_IsClaimed_CountsForTheDispatcher_AndIsRecoveredOnlyWhenItsLeaseExpires()
    {
        string path = _folder.NewPath();
        using SqliteJobStore dispatcher = SqliteJobStoreFileTests.Open(path, _clock);
        using SqliteJobStore manual = SqliteJobStoreFileTests.Open(path, _clock);
        Job job = SqliteJobStoreFileTests.TaskJob("0000000000001", Triggers.Every(minutes: 1)) with { Options = new JobOptions { Overlap = OverlapPolicy.Skip } };
        await dispatcher.AddAsync(job, Token);
        await dispatcher.RecoverExpiredAsync(Token);

        // schedctl jobs run: a manual run through a store that did not dispatch, while the dispatcher holds the lock.
        ClaimedRun run = (await manual.ClaimNowAsync(job.Id, "manual", Lease, Token))!;
        Assert.True(run.IsManual);
        Assert.Equal(1, (await dispatcher.GetAsync(job.Id, Token))!.ActiveRuns);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty((await dispatcher.ClaimDueAsync(10, "a", Lease, Token)).Runs);

        // The dispatcher does not take it for a run of a dead holder; the lease keeps it alive while it is renewed.
        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Empty(await dispatcher.RecoverExpiredAsync(Token));
        LeaseRenewal renewal = await manual.RenewAsync(new NodeHeartbeat
        {
            Node = StoreCalls.Node("manual"),
            LeaseDuration = TimeSpan.FromMinutes(6),
            Runs = [new HeldRun { RunId = run.RunId, FencingToken = run.FencingToken }],
        }, Token);
        Assert.Equal((1, T0.AddMinutes(10)), (renewal.Renewed, renewal.LeaseUntil));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await dispatcher.RecoverExpiredAsync(Token));
        Assert.Equal(JobStatus.Pending, (await manual.CompleteAsync(run, RunOutcome.Succeeded, T0, T0.AddMinutes(9), null, Token))!.Status);
        RunRecord record = Assert.Single(await SqliteJobStoreFileTests.HistoryAsync(path));
        Assert.True(record.IsManual);

        // A manual run whose process died is recovered once its lease has expired.
        _clock.Advance(TimeSpan.FromMinutes(1));
        ClaimedRun orphan = (await manual.ClaimNowAsync(job.Id, "manual", Lease, Token))!;
        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(await dispatcher.RecoverExpiredAsync(Token));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(orphan.RunId, Assert.Single(await dispatcher.RecoverExpiredAsync(Token)).RunId);
    }

    [Fact]
    public async Task RunsOfAPreviousHolder_AreRecoveredWhateverTheirLease_AndARecoverableJobRunsAgainMarked()
    {
        string path = _folder.NewPath();
        Job job = SqliteJobStoreFileTests.TaskJob("0000000000001") with { Options = new JobOptions { Recoverable = true } };
        ClaimedRun lost;
        using (SqliteJobStore before = SqliteJobStoreFileTests.Open(path, _clock))
        {
            await before.AddAsync(job, Token);
            lost = Assert.Single((await before.ClaimDueAsync(10, "a", TimeSpan.FromDays(365), Token)).Runs);
        }

        using SqliteJobStore after = SqliteJobStoreFileTests.Open(path, _clock);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(lost.RunId, Assert.Single(await after.RecoverExpiredAsync(Token)).RunId);
        ClaimedRun rerun = Assert.Single((await after.ClaimDueAsync(10, "b", Lease, Token)).Runs);
        Assert.True(rerun.IsRecovery);
        Assert.Equal(T0, rerun.ScheduledTime);
        Assert.True(rerun.FencingToken > lost.FencingToken);
        Assert.Equal(0, (await after.GetAsync(job.Id, Token))!.FailureCount);

        // The first holder's completion, had it come late, records nothing.
        var late = new RunCompletion { Run = lost, Outcome = RunOutcome.Succeeded, StartedAt = T0, FinishedAt = T0 };
        Assert.Equal(RunCompletionStatus.Fenced, (await after.CompleteRunAsync(late, Token)).Status);
    }
}
