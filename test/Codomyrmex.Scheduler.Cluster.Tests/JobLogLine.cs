using System.Globalization;

namespace Codomyrmex.Scheduler.Cluster.Tests;

/// <summary>One line a job's command appended to the shared log: <c>JOB SCHEDULED-AT RUN-ID RECOVERY</c>.</summary>
internal sealed record JobLogLine(string Job, DateTimeOffset ScheduledAt, string RunId, bool IsRecovery)
{
    /// <summary>
    /// The shell command that appends the line (one <c>printf</c> of under 512 bytes, so lines from many processes never mix).
    /// A body is as light as a command gets, so that the cluster carries a hundred jobs on two cores; <paramref name="seconds"/>
    /// above zero keeps it running that long after the line, so that a node killed or paused has runs in flight.
    /// </summary>
    public static string Command(string logPath, int seconds) =>
        "printf '%s %s %s %s\\n' \"$SCHEDCTL_JOB_NAME\" \"$SCHEDCTL_SCHEDULED_AT\" \"$SCHEDCTL_RUN_ID\" \"$SCHEDCTL_RECOVERY\" >> '" + logPath + "'"
        + (seconds > 0 ? string.Create(CultureInfo.InvariantCulture, $"; sleep {seconds}") : "");

    public static JobLogLine Parse(string line)
    {
        string[] parts = line.Split(' ');
        Assert.True(parts.Length == 4 && parts[3] is "0" or "1", $"A log line is not 'JOB SCHEDULED-AT RUN-ID RECOVERY': '{line}'");
        return new JobLogLine(parts[0], DateTimeOffset.Parse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), parts[2], parts[3] == "1");
    }
}
