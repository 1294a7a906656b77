using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>
/// A schedule as one string, the way jobs files, crontabs and the command line write it: cron text (five fields, or six with
/// seconds first), a macro such as <c>@daily</c>, or <c>@every 30s</c>.
/// </summary>
/// <remarks>
/// The core's <see cref="Triggers.Parse"/> reads the text and words the errors; this layer adds only what schedctl needs on
/// top: the offset of the bad token (for <c>FILE:LINE:COL</c> messages), a cron format forced by the caller (<c>--seconds</c>,
/// a crontab's five fields), <c>@reboot</c> (which is no schedule of times), and a word of advice for a pasted crontab line.
/// </remarks>
internal static class ScheduleText
{
    private const string Every = "@every";
    private const string Reboot = "@reboot";

    /// <summary>Whether a trigger names no date that exists (<c>0 0 30 2 *</c>), so that it can never fire whenever it is scheduled.</summary>
    public static bool NeverFires(Trigger trigger) =>
        trigger is CronTrigger cron && cron.Expression.GetNextOccurrence(DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc) is null;

    /// <summary>Whether the text is <c>@reboot</c>: once each time <c>schedctl run</c> starts, rather than a schedule of times.</summary>
    public static bool IsAtStart(string text) => text.Trim().Equals(Reboot, StringComparison.OrdinalIgnoreCase);

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
        if (IsAtStart(text))
        {
            error = "@reboot is not a schedule of times: in a jobs file or crontab it runs the command once each time 'schedctl run' starts.";
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
            error = PastedCrontabLine(text, trimmed, lead) ?? exception.Message;
            errorOffset = ErrorOffset(text, trimmed, lead, format);
            return false;
        }
    }

    /// <summary>
    /// The advice for a crontab line given as a schedule (<c>0 9 * * 1-5 /bin/true</c>): when the text has more words than a
    /// schedule and its first words are one, the rest is a command (or a system crontab's user and command).
    /// </summary>
    private static string? PastedCrontabLine(string text, string trimmed, int lead)
    {
        string[] words = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int scheduleWords = !trimmed.StartsWith('@') ? 5 : trimmed.StartsWith(Every, StringComparison.OrdinalIgnoreCase) ? 2 : 1;
        if (words.Length <= scheduleWords)
        {
            return null;
        }

        // The end of the schedule's last word in the text, so the schedule is quoted as written.
        int end = lead;
        for (int i = 0; i < scheduleWords; i++)
        {
            end = text.IndexOf(words[i], end, StringComparison.Ordinal) + words[i].Length;
        }

        string schedule = text[lead..end];
        string rest = text[end..].Trim();
        if (IsAtStart(schedule) || (scheduleWords == 5 && !CronParser.TryParse(schedule, CronFormat.Standard, out _, out _)))
        {
            return null;
        }

        if (scheduleWords != 5)
        {
            try
            {
                Triggers.Parse(schedule, null);
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return $"'{trimmed}' has {words.Length} fields, more than a schedule: it looks like a crontab line, with the schedule " +
            $"'{schedule}' followed by a command '{rest}'. Give only the schedule.";
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
