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

    public void Dispose()
    {
        foreach (SqliteJobStore store in _stores)
        {
            store.Dispose();
        }

        _folder.Dispose();
    }
}
