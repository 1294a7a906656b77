using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Diagnostics;

/// <summary>The messages of runs given back to the store unstarted when the scheduler stops.</summary>
internal static partial class Log
{
    [LoggerMessage(1009, LogLevel.Information, "Gave back {RunCount} claimed run(s) that had not started; their occurrences are due again")]
    public static partial void RunsGivenBack(ILogger logger, int runCount);

    [LoggerMessage(1010, LogLevel.Warning, "Could not give back {RunCount} claimed run(s) that had not started; they stay claimed until their leases lapse, and are then recovered as interrupted (a recoverable job runs its occurrence again)")]
    public static partial void GiveBackFailed(ILogger logger, int runCount, Exception exception);
}
