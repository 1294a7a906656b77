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

    /// <summary>The smallest value that may be written.</summary>
    public static int Min(CronField field) => MinValues[(int)field];

    /// <summary>The largest value that may be written; day-of-week allows 7 for Sunday.</summary>
    public static int Max(CronField field) => MaxValues[(int)field];

    // Tables rather than switches: the parser asks for every value it reads, and a lookup is one load.
    private static ReadOnlySpan<byte> MinValues => [0, 0, 0, 1, 1, 0];

    private static ReadOnlySpan<byte> MaxValues => [59, 59, 23, 31, 12, 7];
}
