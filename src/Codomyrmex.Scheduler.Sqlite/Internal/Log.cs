using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The SQLite store's log messages (event ids 5100-5199).</summary>
internal static partial class Log
{
    [LoggerMessage(5100, LogLevel.Error,
        "The job store '{Path}' is damaged: looking for other processes' changes read a damaged page. Polling goes on, and this is " +
        "logged again only after a poll succeeds; the operations that read the damaged pages fail, naming the file. Stop the " +
        "scheduler and restore the file from a backup, or check it with `sqlite3 {Path} \"PRAGMA integrity_check\"`.")]
    public static partial void PollFoundDamage(ILogger logger, string path, Exception exception);
}
