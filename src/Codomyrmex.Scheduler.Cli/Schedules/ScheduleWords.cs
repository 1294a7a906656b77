using Codomyrmex.Scheduler.Cli.Output;

namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>A job's schedule in plain English, for listings: the cron sentence, the interval, the one time, or "at start".</summary>
internal static class ScheduleWords
{
    /// <summary>Describes a trigger; <see langword="null"/> is an <c>@reboot</c> job's.</summary>
    public static string Describe(Trigger? trigger, TimeText time)
    {
        switch (trigger)
        {
            case null:
                return "Once each time 'schedctl run' starts (@reboot).";
            case CronTrigger cron:
                string sentence;
                try
                {
                    sentence = Explainer.Explain(cron.Expression.ToString(), cron.Expression.Format);
                }
                catch (FormatException)
                {
                    // The engine's own text of an expression always parses again; should it ever not, its text still says it.
                    sentence = cron.Expression.ToString();
                }

                return cron.TimeZone is { } zone ? $"{sentence[..^1]} ({zone.Id})." : sentence;
            case IntervalTrigger interval:
                return Explainer.ExplainInterval(interval.Interval);
            case OnceTrigger once:
                return $"Once, at {time.Format(once.RunAt)}.";
            default:
                return trigger.ToString() ?? "";
        }
    }
}
