namespace Codomyrmex.Scheduler.Tests;

/// <summary>The store contract on the default in-memory store.</summary>
public sealed class InMemoryJobStoreTests : JobStoreContractTests
{
    protected override IJobStore CreateStore(RunHistoryOptions history) => new InMemoryJobStore(history);

    [Fact]
    public void IsNotDurable() => Assert.False(new InMemoryJobStore().IsDurable);
}
