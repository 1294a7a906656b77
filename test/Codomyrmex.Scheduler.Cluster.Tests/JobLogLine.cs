using System.Globalization;

namespace Codomyrmex.Scheduler.Cluster.Tests;

/// <summary>One line a job's command appended to the shared log: <c>JOB SCHEDULED-AT RUN-ID RECOVERY</c>.</summary>
internal sealed record JobLogLine(string Job, DateTimeOffset ScheduledAt, string RunId, bool IsRecovery)
{
    /// <summary>
    /// The shell command that appends the line (one <c>printf</c> of under 512 bytes, so lines from many processes never mix),
    /// then stays a fifth of a second, so that a node killed or paused has runs in flight while the work stays within what one
    /// node alone can carry (the test counts every occurrence that did not run as missing, so it must not load the nodes past
    /// their workers: 100 jobs make about 62 runs a second, some 12 in flight at a time, against 32 workers per node).
    /// </summary>
    public static string Command(string logPath) =>
        "printf '%s %s %s %s\\n' \"$SCHEDCTL_JOB_NAME\" \"$SCHEDCTL_SCHEDULED_AT\" \"$SCHEDCTL_RUN_ID\" \"$SCHEDCTL_RECOVERY\" >> '" + logPath + "'; sleep 0.2";

    public static JobLogLine Parse(string line)
    {
        string[] parts = line.Split(' ');
        Assert.True(parts.Length == 4 && parts[3] is "0" or "1", $"A log line is not 'JOB SCHEDULED-AT RUN-ID RECOVERY': '{line}'");
        return new JobLogLine(parts[0], DateTimeOffset.Parse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), parts[2], parts[3] == "1");
    }
}
