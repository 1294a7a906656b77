using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Sqlite.Tests.SqliteJobStoreFileTests;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>
/// Writes that come while another write has the file queue, and are committed together: each keeps its own outcome (a write
/// that fails undoes only itself, even one that ends the shared transaction), and none is reported before it is in the file.
/// The queue is made real: another connection holds the file's write lock while the writes come.
/// </summary>
public sealed class SqliteJobStoreGroupCommitTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task WritesQueuedBehindABusyFile_EachGetsItsOwnOutcome_AndEverySuccessIsInTheFile()
    {
        string path = _folder.NewPath();
        const string Refused = "0000000000007";
        string[] ids = ["0000000000001", "0000000000002", "0000000000003", "0000000000004", "0000000000005", "0000000000005", "0000000000006", Refused,
            "0000000000008"];
        var options = new SqliteJobStoreOptions
        {
            Path = path,
            PollInterval = Timeout.InfiniteTimeSpan,
            TimeProvider = new FakeTimeProvider(T0),
            BusyTimeout = TimeSpan.FromMinutes(5),
        };
        using (var store = new SqliteJobStore(options))
        {
            using (SqliteConnection blocker = Raw(path))
            {
                // Ends the whole transaction of the write that adds this job, as a full disk would: the writes that shared
                // it must run again on their own.
                Execute(blocker,
                    $"CREATE TRIGGER refuse_one BEFORE INSERT ON jobs WHEN new.id = '{Refused}' BEGIN SELECT RAISE(ROLLBACK, 'refused by the test'); END;");
                Execute(blocker, "BEGIN IMMEDIATE;");

                // One write leads and waits for the file; every other call returns at once with its write queued.
                int returned = 0;
                Task<AddJobResult>[] writes = [.. ids.Select(id => Task.Run(() =>
                {
                    ValueTask<AddJobResult> added = store.AddAsync(TaskJob(id), Token);
                    Interlocked.Increment(ref returned);
                    return added.AsTask();
                }, Token))];
                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref returned) == ids.Length - 1, TimeSpan.FromMinutes(2)));
                Assert.All(writes, write => Assert.False(write.IsCompleted));
                Execute(blocker, "ROLLBACK;");

                var outcomes = new List<string>();
                foreach (Task<AddJobResult> write in writes)
                {
                    try
                    {
                        outcomes.Add((await write).Added ? "added" : "not added");
                    }
                    catch (ArgumentException e)
                    {
                        outcomes.Add(e.Message.Contains("0000000000005", StringComparison.Ordinal) ? "duplicate" : e.Message);
                    }
                    catch (SqliteException e)
                    {
                        outcomes.Add(e.Message.Contains("refused by the test", StringComparison.Ordinal) ? "refused" : e.Message);
                    }
                }

                // Of the two adds of one id, one is added and the other refused as a duplicate, whichever came first.
                Assert.Equal(["added", "added", "added", "added", "added", "added", "added", "duplicate", "refused"], outcomes.Order(StringComparer.Ordinal));
            }
        }

        // Every write reported added is in the file for a store that opens it afresh; the refused one is not.
        using SqliteJobStore reopened = Open(path);
        foreach (string id in ids.Distinct().Where(id => id != Refused))
        {
            Assert.NotNull(await reopened.GetAsync(id, Token));
        }

        Assert.Null(await reopened.GetAsync(Refused, Token));
        Assert.Equal(7, (await reopened.CountAsync(Token)).Total);
    }
}
