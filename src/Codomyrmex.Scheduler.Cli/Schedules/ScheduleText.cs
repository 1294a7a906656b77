using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>
/// A schedule as one string, the way jobs files and crontabs write it: cron text (five fields, or six with seconds first),
/// a macro such as <c>@daily</c>, or <c>@every 30s</c>.
/// </summary>
/// <remarks>
/// Interim: the core library's <c>Triggers.Parse</c> (branch <c>json</c>) takes over the parsing once it is merged; this
/// class then keeps only what schedctl adds, the offset of a bad token for <c>FILE:LINE:COL</c> messages.
/// </remarks>
internal static class ScheduleText
{
    private const string Every = "@every";

    /// <summary>Parses a schedule.</summary>
    /// <param name="text">The schedule.</param>
    /// <param name="zone">The cron zone, or <see langword="null"/> for the scheduler's.</param>
    /// <param name="format">A cron format that overrides the one the field count implies.</param>
    /// <param name="trigger">The trigger.</param>
    /// <param name="error">What is wrong, naming the bad token.</param>
    /// <param name="errorOffset">Where the bad token starts in <paramref name="text"/>.</param>
    public static bool TryParse(
        string text, TimeZoneInfo? zone, CronFormat? format,
        [NotNullWhen(true)] out Trigger? trigger, [NotNullWhen(false)] out string? error, out int errorOffset)
    {
        trigger = null;
        error = null;
        errorOffset = 0;
        string trimmed = text.Trim();
        int lead = text.Length - text.TrimStart().Length;
        if (trimmed.StartsWith(Every, StringComparison.OrdinalIgnoreCase) &&
            (trimmed.Length == Every.Length || char.IsWhiteSpace(trimmed[Every.Length])))
        {
            string duration = trimmed[Every.Length..].Trim();
            if (!DurationText.TryParse(duration, out TimeSpan interval) || interval <= TimeSpan.Zero)
            {
                error = duration.Length == 0
                    ? "@every needs a duration, for example '@every 30s' or '@every 1h30m'."
                    : $"'{duration}' is not a positive duration; use for example 500ms, 30s, 5m, 1h30m, 2d or 01:30:00.";
                errorOffset = duration.Length == 0 ? lead : text.IndexOf(duration, lead + Every.Length, StringComparison.Ordinal);
                return false;
            }

            trigger = new IntervalTrigger(interval);
            return true;
        }

        if (trimmed.Equals("@reboot", StringComparison.OrdinalIgnoreCase))
        {
            error = "@reboot is not supported: schedctl keeps its jobs in a durable store across restarts, so \"at every start\" " +
                "has no meaning there; run the command before starting schedctl instead.";
            errorOffset = lead;
            return false;
        }

        if (!CronText.TryParse(text, format ?? CronText.FormatOf(text), out CronExpression? expression, out error, out errorOffset))
        {
            return false;
        }

        trigger = new CronTrigger(expression, zone);
        return true;
    }
}
