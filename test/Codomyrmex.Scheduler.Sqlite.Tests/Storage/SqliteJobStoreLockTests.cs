using System.Globalization;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>One process at a time dispatches from a file; others may still read and change jobs; a dead holder's lock is taken over.</summary>
public sealed class SqliteJobStoreLockTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task SecondDispatcher_InThisProcess_IsRefusedNamingTheHolder_ButMayStillReadAndWrite()
    {
        string path = _folder.NewPath();
        using SqliteJobStore first = SqliteJobStoreFileTests.Open(path);
        using SqliteJobStore second = SqliteJobStoreFileTests.Open(path);
        await first.RecoverExpiredAsync(T0, Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await second.ClaimDueAsync(T0, 10, "b", T0.AddMinutes(5), Token));
        Assert.Contains($"in use by process {Environment.ProcessId} (", error.Message, StringComparison.Ordinal);
        Assert.Contains($"on host {Environment.MachineName} since ", error.Message, StringComparison.Ordinal);
        Assert.Contains("stop it first", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await second.RecoverExpiredAsync(T0, Token));

        // schedctl-style use: add, list, cancel through a store that does not dispatch.
        Job job = SqliteJobStoreFileTests.TaskJob("0000000000001");
        await second.AddAsync(job, Token);
        Assert.Equal(1, (await first.ListAsync(new JobQuery(), Token)).Total);
        Assert.Equal(job.Id, Assert.Single((await first.ClaimDueAsync(T0, 10, "a", T0.AddMinutes(5), Token)).Runs).Job.Id);
        Assert.Equal(JobStatus.Cancelled, (await second.CancelAsync(job.Id, Token))!.Status);

        // Once the first lets go, the second takes over, and the run the first left claimed is recovered.
        first.Dispose();
        Assert.Single(await second.RecoverExpiredAsync(T0, Token));
    }

    [Fact]
    public async Task AnotherLiveProcess_HoldsTheLock_IsRefusedNamingIt_AndWhenItDies_ItsLockAndRunsAreTakenOver()
    {
        string path = _folder.NewPath();
        using SqliteJobStore store = SqliteJobStoreFileTests.Open(path);
        Job job = SqliteJobStoreFileTests.TaskJob("0000000000001");
        await store.AddAsync(job, Token);

        using var child = TestHost.Start("hold", path, T0.ToString("O", CultureInfo.InvariantCulture));
        await child.WaitForLineAsync("ready", Token);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.RecoverExpiredAsync(T0, Token));
        Assert.Contains($"in use by process {child.Id} (Codomyrmex.Scheduler.Sqlite.TestHost) on host {Environment.MachineName}", error.Message,
            StringComparison.Ordinal);
        Assert.Equal(JobStatus.Running, (await store.GetAsync(job.Id, Token))!.Status);

        child.Kill();
        ClaimedRun lost = Assert.Single(await store.RecoverExpiredAsync(T0.AddMinutes(1), Token));
        Assert.Equal("child", lost.Node);
        Job after = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(JobStatus.Failed, after.Status);
        Assert.Contains("ended before the run completed", after.Error, StringComparison.Ordinal);
        RunRecord record = Assert.Single(await SqliteJobStoreFileTests.HistoryAsync(path));
        Assert.Equal(RunOutcome.Interrupted, record.Outcome);
        Assert.Equal(lost.RunId, record.RunId);
    }

    [Fact]
    public async Task ManualRun_WhileAnotherStoreDispatches_IsClaimed_CountsForTheDispatcher_AndIsRecoveredOnlyWhenItsLeaseExpires()
    {
        string path = _folder.NewPath();
        using SqliteJobStore dispatcher = SqliteJobStoreFileTests.Open(path);
        using SqliteJobStore manual = SqliteJobStoreFileTests.Open(path);
        Job job = SqliteJobStoreFileTests.TaskJob("0000000000001", Triggers.Every(minutes: 1)) with { Options = new JobOptions { Overlap = OverlapPolicy.Skip } };
        await dispatcher.AddAsync(job, Token);
        await dispatcher.RecoverExpiredAsync(T0, Token);

        // schedctl jobs run: a manual run through a store without the lock, while the dispatcher holds it.
        ClaimedRun run = (await manual.ClaimNowAsync(job.Id, T0, "manual", T0.AddMinutes(5), Token))!;
        Assert.True(run.IsManual);
        Assert.Equal(1, (await dispatcher.GetAsync(job.Id, Token))!.ActiveRuns);
        Assert.Empty((await dispatcher.ClaimDueAsync(T0.AddMinutes(1), 10, "a", T0.AddMinutes(6), Token)).Runs);

        // The dispatcher does not take it for a run of a dead holder; the lease keeps it alive while it is renewed.
        Assert.Empty(await dispatcher.RecoverExpiredAsync(T0.AddMinutes(4), Token));
        Assert.Equal(1, await manual.RenewLeasesAsync("manual", T0.AddMinutes(10), Token));
        Assert.Empty(await dispatcher.RecoverExpiredAsync(T0.AddMinutes(9), Token));
        Assert.Equal(JobStatus.Pending, (await manual.CompleteRunAsync(new RunCompletion(run, RunOutcome.Succeeded, T0, T0.AddMinutes(9)), Token))!.Status);
        RunRecord record = Assert.Single(await SqliteJobStoreFileTests.HistoryAsync(path));
        Assert.True(record.IsManual);

        // A manual run whose process died is recovered once its lease has expired.
        ClaimedRun orphan = (await manual.ClaimNowAsync(job.Id, T0.AddMinutes(10), "manual", T0.AddMinutes(15), Token))!;
        Assert.Empty(await dispatcher.RecoverExpiredAsync(T0.AddMinutes(14), Token));
        Assert.Equal(orphan.RunId, Assert.Single(await dispatcher.RecoverExpiredAsync(T0.AddMinutes(15), Token)).RunId);
    }

    [Fact]
    public async Task RunsOfAPreviousHolder_AreRecoveredWhateverTheirLease_AndARecoverableJobRunsAgainMarked()
    {
        string path = _folder.NewPath();
        Job job = SqliteJobStoreFileTests.TaskJob("0000000000001") with { Options = new JobOptions { Recoverable = true } };
        ClaimedRun lost;
        using (SqliteJobStore before = SqliteJobStoreFileTests.Open(path))
        {
            await before.AddAsync(job, Token);
            lost = Assert.Single((await before.ClaimDueAsync(T0, 10, "a", T0.AddYears(1), Token)).Runs);
        }

        using SqliteJobStore after = SqliteJobStoreFileTests.Open(path);
        Assert.Equal(lost.RunId, Assert.Single(await after.RecoverExpiredAsync(T0.AddSeconds(5), Token)).RunId);
        ClaimedRun rerun = Assert.Single((await after.ClaimDueAsync(T0.AddSeconds(5), 10, "b", T0.AddMinutes(5), Token)).Runs);
        Assert.True(rerun.IsRecovery);
        Assert.Equal(T0, rerun.ScheduledTime);
        Assert.Equal(0, (await after.GetAsync(job.Id, Token))!.FailureCount);
    }
}
