namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>The names and ranges of cron fields that the linked schedctl explainer reads.</summary>
internal static class CronFields
{
    public static string Name(CronField field) => field switch
    {
        CronField.Second => "second",
        CronField.Minute => "minute",
        CronField.Hour => "hour",
        CronField.DayOfMonth => "day-of-month",
        CronField.Month => "month",
        _ => "day-of-week",
    };

    public static int Max(CronField field) => field switch
    {
        CronField.Second or CronField.Minute => 59,
        CronField.Hour => 23,
        CronField.DayOfMonth => 31,
        CronField.Month => 12,
        _ => 7,
    };
}
