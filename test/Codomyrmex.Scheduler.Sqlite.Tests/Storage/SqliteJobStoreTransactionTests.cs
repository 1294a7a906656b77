using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Sqlite.Tests.SqliteJobStoreFileTests;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>
/// Every change is one transaction: a statement that fails in the middle of one leaves the file as it was and the store
/// usable. The failure is real: a trigger in the file makes SQLite refuse one table's writes.
/// </summary>
public sealed class SqliteJobStoreTransactionTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task CompleteRun_HistoryWriteFails_NothingOfTheCompletionIsKept_AndTheRunCompletesLater()
    {
        string path = _folder.NewPath();
        using SqliteJobStore store = Open(path, new FakeTimeProvider(T0.AddMinutes(1)));
        await store.AddAsync(TaskJob("0000000000001", new IntervalTrigger(TimeSpan.FromMinutes(1), T0)), Token);
        ClaimedRun run = Assert.Single((await store.ClaimDueAsync(1, "node", TimeSpan.FromMinutes(4), Token)).Runs);
        var completion = new RunCompletion
        {
            Run = run,
            Outcome = RunOutcome.Succeeded,
            StartedAt = T0.AddMinutes(1),
            FinishedAt = T0.AddMinutes(1).AddSeconds(2),
            Result = 42,
        };

        // The job's new state and the claim's removal are written before the history row that fails.
        RefuseWrites(path, "runs");
        SqliteException refused = await Assert.ThrowsAsync<SqliteException>(async () => await store.CompleteRunAsync(completion, Token));
        Assert.Contains("refused by the test", refused.Message, StringComparison.Ordinal);

        Job running = (await store.GetAsync(run.Job.Id, Token))!;
        Assert.Equal(JobStatus.Running, running.Status);
        Assert.Equal(1, running.ActiveRuns);
        Assert.Equal(0, running.RunCount);
        Assert.Equal(0, (await store.GetRunsAsync(default, Token)).Total);

        // No transaction was left open: the store writes again, and the claim is still there to complete, once.
        AllowWrites(path, "runs");
        Job completed = (await store.CompleteRunAsync(completion, Token)).Job!;
        Assert.Equal(1, completed.RunCount);
        Assert.Equal(0, completed.ActiveRuns);
        Assert.Equal(RunCompletionStatus.Fenced, (await store.CompleteRunAsync(completion, Token)).Status);
        Assert.Equal(1, (await store.GetRunsAsync(default, Token)).Total);
    }

    [Fact]
    public async Task ClaimDue_AClaimWriteFails_NoJobAdvances_AndTheNextClaimTakesThemAll()
    {
        string path = _folder.NewPath();
        using SqliteJobStore store = Open(path, new FakeTimeProvider(T0));
        await store.AddAsync(TaskJob("0000000000001", firstRun: T0), Token);
        await store.AddAsync(TaskJob("0000000000002", firstRun: T0), Token);

        RefuseWrites(path, "claims");
        await Assert.ThrowsAsync<SqliteException>(async () => await store.ClaimDueAsync(10, "node", TimeSpan.FromMinutes(5), Token));
        Assert.Equal(T0, await store.NextDueAsync(Token));
        Assert.Equal(2, (await store.ListAsync(new JobQuery { Status = JobStatus.Pending }, Token)).Total);

        AllowWrites(path, "claims");
        ClaimBatch batch = await store.ClaimDueAsync(10, "node", TimeSpan.FromMinutes(5), Token);
        Assert.Equal(2, batch.Runs.Count);

        // The fencing counter rolled back with the failed claim: the tokens go on from where the file left them.
        Assert.Equal([1L, 2L], batch.Runs.Select(r => r.FencingToken));
    }

    [Fact]
    public async Task Delete_FailsHalfWay_TheJobStays_AndTheFileIsNotLeftLocked()
    {
        string path = _folder.NewPath();
        using SqliteJobStore store = Open(path, new FakeTimeProvider(T0));
        await store.AddAsync(TaskJob("0000000000001", firstRun: T0.AddDays(1)), Token);
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "CREATE TRIGGER refuse_jobs BEFORE DELETE ON jobs BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
        }

        await Assert.ThrowsAsync<SqliteException>(async () => await store.DeleteAsync("0000000000001", Token));

        // Another connection sees the job and may write: the failed delete holds no lock and left nothing half done.
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "DROP TRIGGER refuse_jobs;");
            using SqliteCommand count = raw.CreateCommand();
            count.CommandText = "SELECT count(*) FROM jobs;";
            Assert.Equal(1L, count.ExecuteScalar());
        }

        Assert.True(await store.DeleteAsync("0000000000001", Token));
        Assert.Null(await store.GetAsync("0000000000001", Token));
    }

    /// <summary>
    /// Older files that another program changed so that a step of the upgrade fails half way: the first statement of the
    /// step, or a later one after the step's first indexes were made.
    /// </summary>
    public static TheoryData<string, string, long, string> FailingUpgrades() => new()
    {
        {
            "version 1, whose jobs table already has a column version 2 adds",
            "DROP INDEX jobs_finished; ALTER TABLE jobs DROP COLUMN finished_at; PRAGMA user_version = 1;",
            1, "duplicate column name: paused"
        },
        {
            "version 3, with a table of version 4's name",
            "DROP TRIGGER jobs_counted_insert; DROP TRIGGER jobs_counted_delete; DROP TRIGGER jobs_counted_status; DROP INDEX jobs_name; " +
            "DROP INDEX jobs_source; DROP TABLE job_counts; CREATE TABLE job_counts (mine TEXT); PRAGMA user_version = 3;",
            3, "table job_counts already exists"
        },
    };

    [Theory]
    [MemberData(nameof(FailingUpgrades))]
    public void Open_AMigrationStepFails_TheErrorSaysTheFileKeptItsVersion_AndNothingOfTheUpgradeStays(string file, string sql, long version, string cause)
    {
        string path = _folder.NewPath();
        using (Open(path))
        {
        }

        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, sql);
        }

        string[] before = Schema(path);
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Open(path));
        Assert.Contains($"The job store '{path}' could not be upgraded from schema version {version} to 4", error.Message, StringComparison.Ordinal);
        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
        Assert.Contains($"did not commit, so the file still holds its version-{version} schema", error.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(error.InnerException);

        // What the error says: the version, and every table, index and trigger, as they were.
        Assert.True(before.SequenceEqual(Schema(path)), $"The schema of {file} changed: {string.Join("; ", Schema(path))}");
        using SqliteConnection after = Raw(path);
        using SqliteCommand read = after.CreateCommand();
        read.CommandText = "PRAGMA user_version;";
        Assert.Equal(version, read.ExecuteScalar());
    }

    /// <summary>Every object of the file's schema with its SQL, in order.</summary>
    private static string[] Schema(string path)
    {
        using SqliteConnection raw = Raw(path);
        using SqliteCommand read = raw.CreateCommand();
        read.CommandText = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY type, name;";
        var objects = new List<string>();
        using SqliteDataReader reader = read.ExecuteReader();
        while (reader.Read())
        {
            objects.Add(reader.GetString(0));
        }

        return [.. objects];
    }

    private static void RefuseWrites(string path, string table)
    {
        using SqliteConnection raw = Raw(path);
        Execute(raw, $"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;");
    }

    private static void AllowWrites(string path, string table)
    {
        using SqliteConnection raw = Raw(path);
        Execute(raw, $"DROP TRIGGER refuse_{table};");
    }
}
