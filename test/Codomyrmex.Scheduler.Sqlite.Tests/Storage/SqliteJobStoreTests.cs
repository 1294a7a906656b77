using Codomyrmex.Scheduler.Tests;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>The store contract on a real SQLite file.</summary>
public sealed class SqliteJobStoreTests : JobStoreContractTests, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly List<SqliteJobStore> _stores = [];

    protected override IJobStore CreateStore(RunHistoryOptions history)
    {
        var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = _folder.NewPath(), PollInterval = Timeout.InfiniteTimeSpan, History = history });
        _stores.Add(store);
        return store;
    }

    [Fact]
    public void IsDurable() => Assert.True(((SqliteJobStore)CreateStore()).IsDurable);

    [Fact]
    public void Options_Invalid_ListsEveryProblem_AndOpensNothing()
    {
        var options = new SqliteJobStoreOptions
        {
            Path = " ",
            PollInterval = TimeSpan.Zero,
            BusyTimeout = TimeSpan.Zero,
            History = new RunHistoryOptions { MaxRunsPerJob = -1 },
        };
        ArgumentException error = Assert.Throws<ArgumentException>(() => new SqliteJobStore(options));
        Assert.Contains("Path is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("PollInterval is 00:00:00", error.Message, StringComparison.Ordinal);
        Assert.Contains("BusyTimeout is 00:00:00; it must be between one second", error.Message, StringComparison.Ordinal);
        Assert.Contains("History: MaxRunsPerJob is -1", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (SqliteJobStore store in _stores)
        {
            store.Dispose();
        }

        _folder.Dispose();
    }
}
