using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>The store contract on the default in-memory store.</summary>
public sealed class InMemoryJobStoreTests : JobStoreContractTests
{
    protected override IJobStore CreateStore(ContractStoreOptions options) =>
        new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = options.Time, History = options.History, Retention = options.Retention });

    /// <summary>Every node of a process shares one in-memory store: the "second instance" is the same one.</summary>
    protected override IJobStore OpenSecond(IJobStore store) => store;

    [Fact]
    public void IsNotDurable() => Assert.False(new InMemoryJobStore().IsDurable);

    [Fact]
    public void Options_NotValid_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new InMemoryJobStore(new InMemoryJobStoreOptions
        {
            History = new RunHistoryOptions { MaxRunsPerJob = -1 },
            Retention = new JobRetentionOptions { FinishedJobs = TimeSpan.Zero, BatchSize = 0 },
        }));
        Assert.Contains("MaxRunsPerJob is -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("FinishedJobs is 00:00:00", error.Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize is 0", error.Message, StringComparison.Ordinal);
    }
}
