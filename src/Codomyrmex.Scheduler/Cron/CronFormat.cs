namespace Codomyrmex.Scheduler;

/// <summary>Which fields a cron expression has.</summary>
public enum CronFormat
{
    /// <summary>Five fields: <c>minute hour day-of-month month day-of-week</c>, as in crontab(5).</summary>
    Standard = 0,

    /// <summary>Six fields: a leading <c>second</c> field, then the five standard fields.</summary>
    IncludeSeconds = 1,
}
