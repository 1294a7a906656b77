namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>
/// What the linked schedctl explainer needs from the scheduler's internal <c>Triggers</c>: cron text whose format is given
/// by its number of fields (six have a leading seconds field).
/// </summary>
/// <remarks>Removed once the explainer is public in the scheduler library; until then it stays as small as the explainer needs.</remarks>
internal static class Triggers
{
    public static CronExpression ParseCronExpression(string text) =>
        CronExpression.Parse(text, text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
}
