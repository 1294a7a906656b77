namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>
/// The server's clock as seen from this process: the system clock plus the offset last measured against the server
/// (when the store opened, and at every claim). Good for waiting until a time the server gave; the server decides.
/// </summary>
internal sealed class ServerClock : TimeProvider
{
    private long _offsetTicks;

    /// <summary>Gets the last measured offset of the server's clock from this process's.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Volatile.Read(ref _offsetTicks));

    /// <summary>Records the server's time as read just now.</summary>
    public void Observe(long serverTicks) => Volatile.Write(ref _offsetTicks, serverTicks - System.GetUtcNow().UtcTicks);
}
