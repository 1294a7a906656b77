using System.Security.Cryptography;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Sqlite.Tests.SqliteJobStoreFileTests;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>
/// Damaged and foreign files: opening one, read-write or read-only, is an error that names the file and what is wrong,
/// raised before a byte of it (or its lock file) is written.
/// </summary>
public sealed class SqliteJobStoreHostileFileTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    private static SqliteJobStore OpenReadOnly(string path) =>
        new(new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan, ReadOnly = true });

    /// <summary>A real store of many pages (jobs and a long history), closed so that everything is in the main file.</summary>
    private async Task<string> NewStoreAsync()
    {
        string path = _folder.NewPath();
        using (SqliteJobStore store = Open(path))
        {
            for (int i = 0; i < 20; i++)
            {
                await store.AddAsync(TaskJob($"{i:D13}", new IntervalTrigger(TimeSpan.FromMinutes(1), new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero))), Token);
            }
        }

        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw,
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) " +
                "INSERT INTO runs (run_id, job_id, job_name, scheduled, started_at, finished_at, node, outcome, error, result, attempt, is_manual, is_recovery) " +
                "SELECT 'r' || i, '0000000000001', 'job', i, i, i, 'node', 1, printf('%.200c', 'x'), NULL, 1, 0, 0 FROM n;");
        }

        SqliteConnection.ClearAllPools();
        Assert.False(File.Exists(path + "-wal"), "The store left a write-ahead log; the damage below would not be in the file.");
        return path;
    }

    /// <summary>What the check at open finds whatever <see cref="SqliteIntegrityCheck"/> says: it reads only the header and the schema.</summary>
    public static TheoryData<string, string> Damages() => new()
    {
        { "truncated to half", "is damaged" },
        { "truncated inside the header", "is damaged" },
        { "garbage", "not a SQLite database" },
        { "text", "not a SQLite database" },
        { "another program's database", "of another program" },
        { "a newer schema", "newer than this version" },
        { "an index dropped", "lacks index jobs_name" },
        { "a trigger dropped", "lacks trigger jobs_counted_status" },
        { "a table renamed", "lacks table counters" },
    };

    /// <summary>Damage inside pages, which only a check that reads every page, or an operation that reads those pages, finds.</summary>
    public static TheoryData<string> PageDamages() => ["middle pages overwritten", "a b-tree page's header zeroed"];

    public static TheoryData<string, SqliteIntegrityCheck> PageDamagesAndFullChecks() => new()
    {
        { "middle pages overwritten", SqliteIntegrityCheck.Quick },
        { "middle pages overwritten", SqliteIntegrityCheck.Full },
        { "a b-tree page's header zeroed", SqliteIntegrityCheck.Quick },
        { "a b-tree page's header zeroed", SqliteIntegrityCheck.Full },
    };

    /// <summary>Makes the damage in the file at <paramref name="path"/> (a real store).</summary>
    private static void Damage(string path, string damage)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int pages = bytes.Length / PageSize;
        switch (damage)
        {
            case "middle pages overwritten":
                new Random(7).NextBytes(bytes.AsSpan(pages / 2 * PageSize, 3 * PageSize));
                File.WriteAllBytes(path, bytes);
                break;
            case "a b-tree page's header zeroed":
                bytes.AsSpan(((pages / 3) * PageSize), 12).Clear();
                File.WriteAllBytes(path, bytes);
                break;
            case "truncated to half":
                File.WriteAllBytes(path, bytes[..(pages / 2 * PageSize)]);
                break;
            case "truncated inside the header":
                File.WriteAllBytes(path, bytes[..50]);
                break;
            case "garbage":
                new Random(11).NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
                break;
            case "text":
                File.WriteAllText(path, "{\"jobs\": []}\n");
                break;
            case "another program's database":
                File.Delete(path);
                using (SqliteConnection raw = Raw(path))
                {
                    Execute(raw, "PRAGMA journal_mode = DELETE; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');");
                }

                SqliteConnection.ClearAllPools();
                break;
            case "an index dropped":
                Alter(path, "DROP INDEX jobs_name;");
                break;
            case "a trigger dropped":
                Alter(path, "DROP TRIGGER jobs_counted_status;");
                break;
            case "a table renamed":
                Alter(path, "ALTER TABLE counters RENAME TO counters_old;");
                break;
            case "a newer schema":
                Alter(path, "PRAGMA user_version = 99;");
                break;
        }
    }

    /// <summary>Runs <paramref name="sql"/> on the file through a connection of its own, closed at once.</summary>
    private static void Alter(string path, string sql)
    {
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, sql);
        }

        SqliteConnection.ClearAllPools();
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task Open_DamagedOrForeignFile_ErrorNamingTheFile_AndNoByteChanged(string damage, string expected)
    {
        string path = await NewStoreAsync();
        Damage(path, damage);
        byte[] before = SHA256.HashData(File.ReadAllBytes(path));

        var error = Assert.Throws<InvalidOperationException>(() => Open(path).Dispose());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        var readOnly = Assert.Throws<InvalidOperationException>(() => OpenReadOnly(path).Dispose());
        Assert.Contains(path, readOnly.Message, StringComparison.Ordinal);

        SqliteConnection.ClearAllPools();
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
        Assert.False(File.Exists(path + ".lock"));
    }

    [Theory]
    [MemberData(nameof(PageDamagesAndFullChecks))]
    public async Task Open_DamagedPages_WithACheckOfEveryPage_ErrorNamingTheFile_AndNoByteChanged(string damage, SqliteIntegrityCheck check)
    {
        string path = await NewStoreAsync();
        Damage(path, damage);
        byte[] before = SHA256.HashData(File.ReadAllBytes(path));

        var error = Assert.Throws<InvalidOperationException>(() => new SqliteJobStore(
            new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan, IntegrityCheck = check }).Dispose());
        Assert.Contains($"The job store '{path}' is damaged", error.Message, StringComparison.Ordinal);
        var readOnly = Assert.Throws<InvalidOperationException>(() => new SqliteJobStore(
            new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan, IntegrityCheck = check, ReadOnly = true }).Dispose());
        Assert.Contains($"The job store '{path}' is damaged", readOnly.Message, StringComparison.Ordinal);

        SqliteConnection.ClearAllPools();
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
        Assert.False(File.Exists(path + ".lock"));
    }

    /// <summary>
    /// The default check reads no page of the tables, so the store opens; the operations that read the damaged pages (here, the
    /// history of job 1, all 2,000 runs of the file) fail with an error naming the file, and a change that reads them (deleting
    /// the job with its history) is rolled back whole.
    /// </summary>
    [Theory]
    [MemberData(nameof(PageDamages))]
    public async Task DamagedPages_DefaultCheck_TheOperationsThatReadThemFail_NamingTheFile_AndChangeNothing(string damage)
    {
        string path = await NewStoreAsync();
        Damage(path, damage);

        using (SqliteJobStore store = Open(path))
        {
            Assert.Equal(20, (await store.ListAsync(default, Token)).Total);
            AssertDamaged(await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetRunsAsync(new RunQuery { JobId = "0000000000001" }, Token).AsTask()));
            AssertDamaged(await Assert.ThrowsAsync<InvalidOperationException>(() => store.DeleteAsync("0000000000001", Token).AsTask()));

            // The delete was rolled back: the job is there, and the next change works.
            Assert.NotNull(await store.GetAsync("0000000000001", Token));
            Assert.Equal(JobStatus.Cancelled, (await store.CancelAsync("0000000000002", Token))?.Status);
        }

        using (SqliteJobStore store = Open(path))
        {
            Assert.Equal(JobStatus.Cancelled, (await store.GetAsync("0000000000002", Token))?.Status);
            Assert.NotNull(await store.GetAsync("0000000000001", Token));
        }

        void AssertDamaged(InvalidOperationException error)
        {
            Assert.Contains($"The job store '{path}' is damaged", error.Message, StringComparison.Ordinal);
            Assert.Contains("changed nothing", error.Message, StringComparison.Ordinal);
            Assert.IsType<SqliteException>(error.InnerException);
        }
    }

    [Theory]
    [InlineData((SqliteIntegrityCheck)3)]
    [InlineData((SqliteIntegrityCheck)(-1))]
    public void Options_AnIntegrityCheckThatIsNotOne_ArgumentExceptionNamingIt(SqliteIntegrityCheck check)
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteJobStore(new SqliteJobStoreOptions { Path = _folder.NewPath(), IntegrityCheck = check }));
        Assert.Contains($"IntegrityCheck is {check}", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Open_AFolder_ErrorNamingIt()
    {
        string path = _folder.NewPath();
        Directory.CreateDirectory(path);
        Assert.Contains($"'{path}': it is a folder", Assert.Throws<InvalidOperationException>(() => Open(path).Dispose()).Message, StringComparison.Ordinal);
        Assert.Contains($"'{path}': it is a folder", Assert.Throws<InvalidOperationException>(() => OpenReadOnly(path).Dispose()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenReadOnly_MissingFile_ErrorAndNoFileCreated()
    {
        string path = _folder.NewPath();
        var error = Assert.Throws<InvalidOperationException>(() => OpenReadOnly(path).Dispose());
        Assert.Contains($"There is no job store at '{path}'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void OpenReadOnly_EmptyFile_ErrorAndTheFileStaysEmpty()
    {
        string path = _folder.NewPath();
        File.WriteAllBytes(path, []);
        var error = Assert.Throws<InvalidOperationException>(() => OpenReadOnly(path).Dispose());
        Assert.Contains($"The file '{path}' is not a job store yet", error.Message, StringComparison.Ordinal);
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task OpenReadOnly_AStoreThisProcessMayNotWrite_ReadsJobsAndHistory_RefusesChanges_AndChangesNoByte()
    {
        string path = await NewStoreAsync();
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.ReadOnly);
        }
        else
        {
            // Root may write it anyway: the bytes are compared below, whoever runs the test.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        byte[] before = SHA256.HashData(File.ReadAllBytes(path));

        using (SqliteJobStore store = OpenReadOnly(path))
        {
            JobPage jobs = await store.ListAsync(default, Token);
            Assert.Equal(20, jobs.Total);
            Assert.NotNull(await store.GetAsync("0000000000003", Token));
            Assert.Equal(2000, (await store.GetRunsAsync(new RunQuery { Limit = 1 }, Token)).Total);
            Assert.NotNull(await store.NextDueAsync(Token));

            TimeSpan lease = TimeSpan.FromMinutes(5);
            await AssertRefused(() => store.AddAsync(TaskJob("0000000000099"), Token).AsTask());
            await AssertRefused(() => store.CancelAsync("0000000000003", Token).AsTask());
            await AssertRefused(() => store.UpdateAsync(jobs.Items[0], Token).AsTask());
            await AssertRefused(() => store.ClaimDueAsync(10, "node", lease, Token).AsTask());
            await AssertRefused(() => store.ClaimNowAsync("0000000000003", "node", lease, Token).AsTask());
            await AssertRefused(() => store.RenewAsync(new NodeHeartbeat { Node = StoreCalls.Node("node") }, Token).AsTask());
            await AssertRefused(() => store.RecoverExpiredAsync(Token).AsTask());
            await AssertRefused(() => store.PurgeExpiredAsync(Token).AsTask());
            await AssertRefused(() => store.LeaveAsync("node/1", Token).AsTask());
            Assert.Empty(await store.ListNodesAsync(Token));
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
        Assert.False(File.Exists(path + ".lock"));

        async Task AssertRefused(Func<Task> change)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(change);
            Assert.Contains($"'{path}' was opened read-only", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task LeasesAndRetention_AtTheirLargest_RecordTheRun_AndDeleteNothing()
    {
        string path = _folder.NewPath();
        var now = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        using var store = new SqliteJobStore(new SqliteJobStoreOptions
        {
            Path = path,
            PollInterval = Timeout.InfiniteTimeSpan,
            TimeProvider = new FakeTimeProvider(now),
            Retention = new JobRetentionOptions { FinishedJobs = TimeSpan.MaxValue, Runs = TimeSpan.MaxValue },
        });
        await store.AddAsync(TaskJob("0000000000001", firstRun: now), Token);
        ClaimedRun run = Assert.Single((await store.ClaimDueAsync(1, "node", TimeSpan.MaxValue, Token)).Runs);
        Assert.Equal(DateTimeOffset.MaxValue, run.LeaseUntil);
        Job? job = await store.CompleteAsync(run, RunOutcome.Succeeded, now, now, null, Token);
        Assert.Equal(JobStatus.Completed, job?.Status);
        RetentionResult purged = await store.PurgeExpiredAsync(Token);
        Assert.Equal((0, 0), (purged.JobsDeleted, purged.RunsDeleted));
        Assert.Equal(1, (await store.GetRunsAsync(new RunQuery { JobId = "0000000000001" }, Token)).Total);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(0)]
    [InlineData(uint.MaxValue)]
    public void Options_PollIntervalATimerCannotTake_ArgumentExceptionNamingIt(long milliseconds)
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteJobStore(new SqliteJobStoreOptions
        {
            Path = _folder.NewPath(),
            PollInterval = TimeSpan.FromMilliseconds(milliseconds),
        }));
        Assert.Contains("PollInterval is", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public async Task OpenReadWrite_HealthyStore_StillOpens()
    {
        string path = await NewStoreAsync();
        using SqliteJobStore store = Open(path);
        Assert.Equal(20, (await store.ListAsync(default, Token)).Total);
    }
}
