namespace Codomyrmex.Scheduler.Sqlite.TestHost;

/// <summary>A clock that always reads one instant: the store's clock of a child process that acts "at" a time the test chose.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
