using System.Globalization;
using Codomyrmex.Scheduler.Cli.Output;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>The variables schedctl gives every command about its run, so that a script can do its work once per occurrence.</summary>
internal static class CommandEnvironment
{
    public const string JobName = "SCHEDCTL_JOB_NAME";
    public const string JobId = "SCHEDCTL_JOB_ID";
    public const string RunId = "SCHEDCTL_RUN_ID";
    public const string ScheduledAt = "SCHEDCTL_SCHEDULED_AT";
    public const string Attempt = "SCHEDCTL_ATTEMPT";
    public const string Recovery = "SCHEDCTL_RECOVERY";
    public const string Manual = "SCHEDCTL_MANUAL";

    /// <summary>
    /// The run's facts. The occurrence is ISO 8601 in UTC whatever <c>--utc</c> says, so that a script keyed on it sees the
    /// same text for the same occurrence from any schedctl, <c>run</c> or <c>jobs run</c>, in any zone.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> For(JobContext context)
    {
        yield return new(JobName, context.JobName);
        yield return new(JobId, context.JobId);
        yield return new(RunId, context.RunId);
        yield return new(ScheduledAt, TimeText.Json(context.ScheduledTime));
        yield return new(Attempt, context.Attempt.ToString(CultureInfo.InvariantCulture));
        yield return new(Recovery, context.IsRecovery ? "1" : "0");
        yield return new(Manual, context.IsManual ? "1" : "0");
    }

    /// <summary>
    /// The whole environment cron gives a command that runs as another user (before the job's own variables): a short
    /// <c>PATH</c>, the account's names and home, and <c>/bin/sh</c>.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> For(UserAccount account)
    {
        yield return new("PATH", "/usr/bin:/bin");
        yield return new("HOME", account.Home);
        yield return new("USER", account.Name);
        yield return new("LOGNAME", account.Name);
        yield return new("SHELL", "/bin/sh");
    }
}
