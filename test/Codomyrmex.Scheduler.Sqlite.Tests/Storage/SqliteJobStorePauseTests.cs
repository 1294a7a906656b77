using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Sqlite.Tests.SqliteJobStoreFileTests;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>What pausing needs of a file: the schema upgrade of older files, and telling whether a process runs its jobs.</summary>
public sealed class SqliteJobStorePauseTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Open_AVersion1File_AddsPausingAndFinishTimes_KeepingEveryJob()
    {
        string path = _folder.NewPath();
        var clock = new FakeTimeProvider(T0);
        using (SqliteJobStore store = Open(path, clock))
        {
            await store.AddAsync(TaskJob("0000000000001", new IntervalTrigger(TimeSpan.FromMinutes(1), T0)), Token);
            await store.AddAsync(TaskJob("0000000000002", new IntervalTrigger(TimeSpan.FromMinutes(1), T0)), Token);
            clock.Advance(TimeSpan.FromMinutes(1));
            ClaimedRun run = Assert.Single((await store.ClaimDueAsync(1, "node", TimeSpan.FromMinutes(4), Token)).Runs);
            await store.CompleteAsync(run, RunOutcome.Succeeded, T0.AddMinutes(1), T0.AddMinutes(1).AddSeconds(3), null, Token);
            clock.Advance(TimeSpan.FromDays(3));
            await store.CancelAsync(run.Job.Id, Token);
        }

        // What version 1 wrote: no pause flag, no finish time.
        DowngradeToVersion2(path);
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "ALTER TABLE jobs DROP COLUMN paused; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 1;");
        }

        using (SqliteJobStore store = Open(path))
        {
            Job cancelled = (await store.GetAsync("0000000000001", Token))!;
            Job pending = (await store.GetAsync("0000000000002", Token))!;
            Assert.Equal(JobStatus.Cancelled, cancelled.Status);
            Assert.Equal(T0.AddMinutes(1).AddSeconds(3), cancelled.FinishedAt); // the best the old file knows: its last run's end
            Assert.False(cancelled.IsPaused);
            Assert.Equal(JobStatus.Pending, pending.Status);
            Assert.Null(pending.FinishedAt);
            Assert.True((await store.SetPausedAsync(pending.Id, paused: true, Token))!.IsPaused);
        }

        using (SqliteConnection raw = Raw(path))
        using (SqliteCommand version = raw.CreateCommand())
        {
            version.CommandText = "PRAGMA user_version;";
            Assert.Equal(4L, version.ExecuteScalar());
        }

        using SqliteJobStore reopened = Open(path);
        Assert.True((await reopened.GetAsync("0000000000002", Token))!.IsPaused);
    }

    [Fact]
    public async Task GetLockHolder_NamesTheDispatchingProcess_AndNoneOnceItLetGo()
    {
        string path = _folder.NewPath();
        using SqliteJobStore reader = Open(path);
        Assert.Null(reader.GetLockHolder());
        using (SqliteJobStore runner = Open(path))
        {
            await runner.ClaimDueAsync(1, "node", TimeSpan.FromMinutes(5), Token);
            SqliteLockHolder holder = reader.GetLockHolder()!;
            Assert.Equal(Environment.ProcessId, holder.ProcessId);
            Assert.Equal(Environment.MachineName, holder.Host);
            Assert.Equal(holder.ProcessId, runner.GetLockHolder()!.ProcessId);
        }

        Assert.Null(reader.GetLockHolder());
    }

    [Fact]
    public async Task GetLockHolder_AHolderThatDiedWithoutLettingGo_IsNotLive()
    {
        string path = _folder.NewPath();
        using SqliteJobStore reader = Open(path);
        using (SqliteJobStore runner = Open(path))
        {
            await runner.ClaimDueAsync(1, "node", TimeSpan.FromMinutes(5), Token);
        }

        // A crash leaves the record marked active, but the operating-system lock died with the process.
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "UPDATE lock_holder SET active = 1;");
        }

        Assert.Null(reader.GetLockHolder());
    }
}
