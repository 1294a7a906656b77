using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>
/// A schedule as one string, the way jobs files, crontabs and the command line write it: cron text (five fields, or six with
/// seconds first), a macro such as <c>@daily</c>, or <c>@every 30s</c>.
/// </summary>
/// <remarks>
/// The core's <see cref="Triggers.Parse"/> reads the text and words the errors; this layer adds only what schedctl needs on
/// top: the offset of the bad token (for <c>FILE:LINE:COL</c> messages), a cron format forced by the caller (<c>--seconds</c>,
/// a crontab's five fields), and a word of advice for <c>@reboot</c>.
/// </remarks>
internal static class ScheduleText
{
    private const string Every = "@every";

    /// <summary>Parses a schedule.</summary>
    /// <param name="text">The schedule.</param>
    /// <param name="zone">The cron zone, or <see langword="null"/> for the scheduler's.</param>
    /// <param name="format">A cron format that overrides the one the field count implies.</param>
    /// <param name="trigger">The trigger.</param>
    /// <param name="error">What is wrong, naming the bad token (the core's message).</param>
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
        if (trimmed.Equals("@reboot", StringComparison.OrdinalIgnoreCase))
        {
            error = "@reboot is not supported: schedctl keeps its jobs in a durable store across restarts, so \"at every start\" " +
                "has no meaning there; run the command before starting schedctl instead.";
            errorOffset = lead;
            return false;
        }

        try
        {
            // A forced format applies to cron fields; macros and @every read the same in either.
            trigger = format is { } forced && !trimmed.StartsWith('@')
                ? new CronTrigger(CronExpression.Parse(text, forced), zone)
                : Triggers.Parse(text, zone);
            return true;
        }
        catch (FormatException exception)
        {
            error = exception.Message;
            errorOffset = ErrorOffset(text, trimmed, lead, format);
            return false;
        }
    }

    /// <summary>Where the token the error is about starts: the duration of <c>@every</c>, or the cron token the parser stopped at.</summary>
    private static int ErrorOffset(string text, string trimmed, int lead, CronFormat? format)
    {
        if (trimmed.StartsWith(Every, StringComparison.OrdinalIgnoreCase) && (trimmed.Length == Every.Length || char.IsWhiteSpace(trimmed[Every.Length])))
        {
            string duration = trimmed[Every.Length..].TrimStart();
            return duration.Length == 0 ? lead : text.IndexOf(duration, lead + Every.Length, StringComparison.Ordinal);
        }

        if (trimmed.StartsWith('@'))
        {
            return lead;
        }

        // The parser's own record of the token; six fields without a forced format are read with seconds, as Triggers.Parse does.
        CronFormat first = format ?? CronFormat.Standard;
        if (CronParser.TryParse(text, first, out _, out CronParseError error))
        {
            return lead;
        }

        if (format is null && error is { Kind: CronErrorKind.TooManyFields, FieldCount: 6 })
        {
            CronParser.TryParse(text, CronFormat.IncludeSeconds, out _, out error);
        }

        return error.Length == 0 ? lead : error.Start;
    }
}
