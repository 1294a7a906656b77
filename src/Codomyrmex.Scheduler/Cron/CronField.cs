namespace Codomyrmex.Scheduler;

/// <summary>The fields of a cron expression, in the order they are written (seconds only with <see cref="CronFormat.IncludeSeconds"/>).</summary>
internal enum CronField
{
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

/// <summary>Names and bounds of the cron fields.</summary>
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

    public static int Min(CronField field) => field is CronField.DayOfMonth or CronField.Month ? 1 : 0;

    /// <summary>The largest value that may be written; day-of-week allows 7 for Sunday.</summary>
    public static int Max(CronField field) => field switch
    {
        CronField.Second or CronField.Minute => 59,
        CronField.Hour => 23,
        CronField.DayOfMonth => 31,
        CronField.Month => 12,
        _ => 7,
    };
}
