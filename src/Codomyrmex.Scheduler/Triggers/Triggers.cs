using System.Globalization;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler;

/// <summary>Short functions that build triggers, for <c>using static Codomyrmex.Scheduler.Triggers;</c>.</summary>
/// <example>
/// <code>
/// using static Codomyrmex.Scheduler.Triggers;
///
/// Trigger a = Every(minutes: 30);
/// Trigger b = At("09:30");
/// Trigger c = Cron("0 */2 * * *");
/// </code>
/// </example>
public static class Triggers
{
    /// <summary>An interval trigger, such as <c>Every(minutes: 30)</c>.</summary>
    /// <param name="seconds">Seconds in the interval.</param>
    /// <param name="minutes">Minutes in the interval.</param>
    /// <param name="hours">Hours in the interval.</param>
    /// <param name="days">Days (of 24 hours) in the interval.</param>
    /// <returns>A trigger that fires every interval, starting one interval after the job is scheduled.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A part is negative, or the interval is zero.</exception>
    public static IntervalTrigger Every(int seconds = 0, int minutes = 0, int hours = 0, int days = 0) => new(seconds, minutes, hours, days);

    /// <summary>An interval trigger.</summary>
    /// <param name="interval">The time between runs.</param>
    /// <returns>A trigger that fires every interval, starting one interval after the job is scheduled.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is zero or negative.</exception>
    public static IntervalTrigger Every(TimeSpan interval) => new(interval);

    /// <summary>A one-time trigger at the next occurrence of a wall-clock time, today or tomorrow, such as <c>At("09:30")</c>.</summary>
    /// <param name="time">The time of day as <c>HH:MM</c> or <c>HH:MM:SS</c> (24-hour clock).</param>
    /// <param name="timeZone">The zone of the wall clock; by default the time provider's local zone.</param>
    /// <param name="timeProvider">The clock that says what "now" is; by default <see cref="TimeProvider.System"/>.</param>
    /// <returns>A trigger for today at that time if it is still ahead, otherwise tomorrow.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="time"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="time"/> is not a time of day.</exception>
    /// <remarks>
    /// A time that falls into a daylight-saving gap runs at the first instant after the gap; a time that occurs twice
    /// in an overlap runs at the first.
    /// </remarks>
    public static OnceTrigger At(string time, TimeZoneInfo? timeZone = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!TryParseTimeOfDay(time, out int hour, out int minute, out int second))
        {
            throw new FormatException($"{EchoText.Quote(time, '\'')} is not a time of day; use HH:MM or HH:MM:SS on a 24-hour clock, for example 09:30 or 17:45:30.");
        }

        TimeProvider clock = timeProvider ?? TimeProvider.System;
        TimeZoneInfo zone = timeZone ?? clock.LocalTimeZone;
        CronExpression daily = CronExpression.Parse(
            string.Create(CultureInfo.InvariantCulture, $"{second} {minute} {hour} * * *"), CronFormat.IncludeSeconds);
        DateTimeOffset next = daily.GetNextOccurrence(clock.GetUtcNow(), zone)
            ?? throw new ArgumentOutOfRangeException(nameof(timeProvider), "The clock is at the end of time: there is no next day.");
        return new OnceTrigger(next);
    }

    /// <summary>A cron trigger, such as <c>Cron("0 */2 * * *")</c>.</summary>
    /// <param name="expression">The expression, for example <c>0 9 * * MON-FRI</c>.</param>
    /// <param name="timeZone">The zone of the wall clock, or <see langword="null"/> for the scheduler's.</param>
    /// <returns>The trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is null.</exception>
    /// <exception cref="FormatException">The expression is not valid; the message names the field and the token.</exception>
    public static CronTrigger Cron(string expression, TimeZoneInfo? timeZone = null) => CronTrigger.FromExpression(expression, timeZone);

    /// <summary>
    /// Reads a schedule as it is written in a jobs file or on a command line: a cron expression, a macro, or
    /// <c>@every &lt;duration&gt;</c>.
    /// </summary>
    /// <param name="schedule">
    /// A cron expression of 5 fields (<c>*/5 * * * *</c>) or 6 with seconds first (<c>30 */5 * * * *</c>); a macro
    /// (<c>@yearly</c>, <c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c>, <c>@midnight</c>, <c>@hourly</c>);
    /// or <c>@every</c> and a duration such as <c>30s</c>, <c>1h30m</c>, <c>500ms</c>, <c>1d12h</c> or <c>01:30:00</c>.
    /// </param>
    /// <param name="timeZone">The zone of a cron schedule's wall clock, or <see langword="null"/> for the scheduler's.</param>
    /// <returns>A <see cref="CronTrigger"/>, or for <c>@every</c> an <see cref="IntervalTrigger"/> that starts one interval after scheduling.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="FormatException">The text is none of these; the message names it and what is wrong.</exception>
    /// <remarks>
    /// The number of fields decides whether a cron expression has seconds: six fields are always
    /// <c>second minute hour day-of-month month day-of-week</c> (as in Quartz, Spring and Cronos with seconds), never
    /// a trailing year. <paramref name="timeZone"/> does not apply to <c>@every</c>: an interval is elapsed time.
    /// </remarks>
    public static Trigger Parse(string schedule, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ReadOnlySpan<char> text = schedule.AsSpan().Trim();
        if (text.IsEmpty)
        {
            throw new FormatException(
                $"The schedule {EchoText.Quote(schedule, '"')} is empty; use a cron expression such as */5 * * * *, a macro such as @daily, or @every 30s.");
        }

        const string Every = "@every";
        if (text.StartsWith(Every, StringComparison.OrdinalIgnoreCase) && (text.Length == Every.Length || char.IsWhiteSpace(text[Every.Length])))
        {
            return ParseEvery(schedule, text[Every.Length..].Trim().ToString());
        }

        if (text[0] == '@')
        {
            return CronExpression.TryParse(schedule, out CronExpression? macro)
                ? new CronTrigger(macro, timeZone)
                : throw new FormatException(
                    $"The schedule {EchoText.Quote(schedule, '"')} is not a macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly " +
                    "or @every <duration>.");
        }

        int fields = CountFields(text);
        if (fields is not (5 or 6))
        {
            string count = fields == 1 ? "1 field" : fields.ToString(CultureInfo.InvariantCulture) + " fields";
            throw new FormatException(
                $"The schedule {EchoText.Quote(schedule, '"')} has {count}; a cron expression has 5 (minute hour day-of-month month day-of-week) " +
                "or 6 (second first). Other schedules are a macro such as @daily, or @every <duration>.");
        }

        return new CronTrigger(ParseCronExpression(schedule), timeZone);
    }

    /// <summary>Parses cron text whose format is given by its number of fields: six have a leading seconds field.</summary>
    /// <remarks>Shared by <see cref="Parse"/> and the trigger JSON, so that both read the same text the same way.</remarks>
    internal static CronExpression ParseCronExpression(string text) =>
        CronExpression.Parse(text, CountFields(text) == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);

    private static IntervalTrigger ParseEvery(string schedule, string duration)
    {
        if (duration.Length == 0)
        {
            throw new FormatException($"The schedule {EchoText.Quote(schedule, '"')} has no duration after @every; for example @every 30s or @every 1h30m.");
        }

        if (!DurationText.TryParse(duration, out TimeSpan interval, out string? reason))
        {
            throw new FormatException($"The schedule {EchoText.Quote(schedule, '"')} is invalid: the duration {EchoText.Quote(duration, '"')} is invalid: {reason}.");
        }

        return interval > TimeSpan.Zero
            ? new IntervalTrigger(interval)
            : throw new FormatException($"The schedule {EchoText.Quote(schedule, '"')} is invalid: the interval must be positive, not {EchoText.Cut(duration)}.");
    }

    private static int CountFields(ReadOnlySpan<char> text)
    {
        int count = 0;
        bool inField = false;
        foreach (char c in text)
        {
            bool space = char.IsWhiteSpace(c);
            if (!space && !inField)
            {
                count++;
            }

            inField = !space;
        }

        return count;
    }

    private static bool TryParseTimeOfDay(ReadOnlySpan<char> text, out int hour, out int minute, out int second)
    {
        hour = minute = second = 0;
        int colon = text.IndexOf(':');
        if (colon is < 1 or > 2 || !TryTwoDigits(text[..colon], out hour) || hour > 23)
        {
            return false;
        }

        ReadOnlySpan<char> rest = text[(colon + 1)..];
        if (rest.Length == 2)
        {
            return TryTwoDigits(rest, out minute) && minute <= 59;
        }

        return rest.Length == 5 && rest[2] == ':' &&
            TryTwoDigits(rest[..2], out minute) && minute <= 59 &&
            TryTwoDigits(rest[3..], out second) && second <= 59;
    }

    private static bool TryTwoDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return text.Length is 1 or 2;
    }
}
