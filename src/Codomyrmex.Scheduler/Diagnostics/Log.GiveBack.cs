using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Diagnostics;

/// <summary>The messages of runs given back to the store unstarted when the scheduler stops.</summary>
internal static partial class Log
{
    /// <summary>Logs the runs a stop gave back (event 1009, worded for one run or for several).</summary>
    public static void RunsGivenBack(ILogger logger, int runCount)
    {
        if (runCount == 1)
        {
            OneRunGivenBack(logger, runCount);
        }
        else
        {
            ManyRunsGivenBack(logger, runCount);
        }
    }

    // One event (1009, RunsGivenBack, as before), worded for one run and for several: a filter or a dashboard keyed on the
    // event's id or name sees one event, as it always has.
#pragma warning disable SYSLIB1025 // The same event name, on purpose.
    [LoggerMessage(1009, LogLevel.Information, "Gave {RunCount} claimed run that had not started back to the store; its occurrence is due again", EventName = "RunsGivenBack")]
    private static partial void OneRunGivenBack(ILogger logger, int runCount);

    [LoggerMessage(1009, LogLevel.Information, "Gave {RunCount} claimed runs that had not started back to the store; their occurrences are due again", EventName = "RunsGivenBack")]
    private static partial void ManyRunsGivenBack(ILogger logger, int runCount);
#pragma warning restore SYSLIB1025

    [LoggerMessage(1010, LogLevel.Warning, "Could not give {RunCount} claimed runs that had not started back to the store; they stay claimed until their leases lapse, and are then recovered as interrupted (a recoverable job runs its occurrence again)")]
    public static partial void GiveBackFailed(ILogger logger, int runCount, Exception exception);
}
