namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>The process that runs the jobs of a SQLite store: the holder of its dispatch lock.</summary>
public sealed class SqliteLockHolder
{
    /// <summary>Gets the holder's process id.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Gets the holder's process name (for <c>dotnet app.dll</c>, the app's name).</summary>
    public required string ProcessName { get; init; }

    /// <summary>Gets the name of the machine the holder runs on.</summary>
    public required string Host { get; init; }

    /// <summary>Gets when the holder took the lock.</summary>
    public required DateTimeOffset Since { get; init; }
}
