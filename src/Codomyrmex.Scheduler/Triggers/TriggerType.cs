namespace Codomyrmex.Scheduler;

/// <summary>The kinds of trigger.</summary>
public enum TriggerType
{
    /// <summary>Fires once, at a given instant (<see cref="OnceTrigger"/>).</summary>
    Once,

    /// <summary>Fires at a fixed interval from an anchor (<see cref="IntervalTrigger"/>).</summary>
    Interval,

    /// <summary>Fires on a cron schedule in a time zone (<see cref="CronTrigger"/>).</summary>
    Cron,
}
