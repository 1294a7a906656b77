using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Sqlite.Tests.SqliteJobStoreFileTests;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>
/// Polling for other processes' changes runs on a timer, where nobody would see an exception: a damaged page it reads is
/// logged once, naming the file, and polling goes on.
/// </summary>
public sealed class SqliteJobStorePollTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Poll_ReadsADamagedPage_LogsItOnceNamingTheFile_AndPollsOn()
    {
        string path = _folder.NewPath();
        using (SqliteJobStore seed = Open(path))
        {
            for (int i = 1; i <= 3; i++)
            {
                await seed.AddAsync(TaskJob($"{i:D13}", firstRun: T0.AddDays(1).AddMinutes(i)), Token);
            }
        }

        // The change log is what a poll reads when another process changed the file (and what a store reads as it opens).
        long offset;
        using (SqliteConnection raw = Raw(path))
        {
            offset = (Scalar(raw, "SELECT rootpage FROM sqlite_schema WHERE name = 'changes';") - 1) * Scalar(raw, "PRAGMA page_size;");
        }

        SqliteConnection.ClearAllPools();
        var time = new FakeTimeProvider(T0);
        var logger = new TestLogger();
        var changes = new List<JobStoreChange>();
        using var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, PollInterval = Poll, TimeProvider = time, Logger = logger });
        store.Changed += (_, change) => changes.Add(change);
        using SqliteJobStore other = Open(path);

        // Damage the log's page now; adding a job (another process's change that does not write the log) moves the file's
        // change counter, so each poll reads the log.
        byte[] header = new byte[12];
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = offset;
            file.ReadExactly(header);
            file.Position = offset;
            file.Write(new byte[header.Length]);
        }

        // Two polls read the damaged page; one error is logged.
        for (int i = 4; i <= 5; i++)
        {
            await other.AddAsync(TaskJob($"{i:D13}", firstRun: T0.AddDays(1).AddMinutes(i)), Token);
            time.Advance(Poll);
        }

        var logged = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal(5100, logged.Id.Id);
        Assert.Contains($"The job store '{path}' is damaged", logged.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(logged.Exception);
        Assert.Empty(changes);

        // Repaired: the next poll reads the file again and raises what it finds.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = offset;
            file.Write(header);
        }

        await other.AddAsync(TaskJob("0000000000006", firstRun: T0.AddDays(1).AddMinutes(6)), Token);
        time.Advance(Poll);
        JobStoreChange added = Assert.Single(changes);
        Assert.Equal(JobStoreChangeKind.Added, added.Kind);
        Assert.Equal(T0.AddDays(1).AddMinutes(1), added.DueAt);
        Assert.Single(logger.Entries);
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
