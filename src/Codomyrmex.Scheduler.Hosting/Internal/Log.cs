using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>The hosting package's log messages; event ids 4000-4099 (the core uses 1000-3999).</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information,
        "Declared jobs reconciled: {Added} added, {Updated} updated, {Removed} removed, {Unchanged} unchanged")]
    public static partial void Reconciled(ILogger logger, int added, int updated, int removed, int unchanged);
}
