namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>The fields of a cron expression, as the linked schedctl explainer names them (the scheduler's own enum is internal).</summary>
internal enum CronField
{
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}
