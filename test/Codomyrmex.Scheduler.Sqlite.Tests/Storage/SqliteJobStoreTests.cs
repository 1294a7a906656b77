using Codomyrmex.Scheduler.Storage;
using Codomyrmex.Scheduler.Tests;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>The store contract on a real SQLite file, with the second store instance on its own connection to the same file.</summary>
public sealed class SqliteJobStoreTests : JobStoreContractTests, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly List<SqliteJobStore> _stores = [];
    private readonly Dictionary<SqliteJobStore, SqliteJobStoreOptions> _options = [];

    protected override IJobStore CreateStore(ContractStoreOptions options) => Open(new SqliteJobStoreOptions
    {
        Path = _folder.NewPath(),
        TimeProvider = options.Time,
        History = options.History,
        Retention = options.Retention,

        // Polls on the store's (fake) clock: moving it lets each instance read the other's changes, as another process would.
        // A day, because a fake clock fires a periodic timer once per period it is moved past, and tests move it by a year.
        PollInterval = TimeSpan.FromDays(1),
    });

    protected override IJobStore OpenSecond(IJobStore store) => Open(_options[(SqliteJobStore)store]);

    /// <summary>Moves the store's clock by one poll, so the store reads what other instances logged.</summary>
    protected override Task NoticeChangesAsync(IJobStore store)
    {
        Clock.Advance(_options[(SqliteJobStore)store].PollInterval);
        return Task.CompletedTask;
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
            Retention = new JobRetentionOptions { BatchSize = 0 },
        };
        ArgumentException error = Assert.Throws<ArgumentException>(() => new SqliteJobStore(options));
        Assert.Contains("Path is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("PollInterval is 00:00:00", error.Message, StringComparison.Ordinal);
        Assert.Contains("BusyTimeout is 00:00:00; it must be between one second", error.Message, StringComparison.Ordinal);
        Assert.Contains("History: MaxRunsPerJob is -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("Retention: BatchSize is 0", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (SqliteJobStore store in _stores)
        {
            store.Dispose();
        }

        _folder.Dispose();
    }

    private SqliteJobStore Open(SqliteJobStoreOptions options)
    {
        var store = new SqliteJobStore(options);
        _stores.Add(store);
        _options[store] = options;
        return store;
    }
}
