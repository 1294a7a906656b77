using System.Globalization;
using System.Numerics;
using System.Text;

namespace Codomyrmex.Scheduler;

/// <summary>Writes the canonical text of an expression: the shortest usual spelling that parses back to an equal expression.</summary>
/// <remarks>
/// Two properties of the text carry meaning beyond the sets of values, so the canonical text keeps them: whether a day
/// field begins with <c>*</c> (day-of-month/day-of-week "either" rule) and whether the minute and hour fields are a fixed
/// time (DST overlap rule).
/// </remarks>
internal static class CronFormatter
{
    public static string Format(CronExpression expression)
    {
        CronParts parts = expression.GetParts();
        bool fixedTime = (parts.Flags & CronFlags.FixedTime) != 0;
        var text = new StringBuilder(32);
        if (expression.Format == CronFormat.IncludeSeconds)
        {
            AppendSet(text, parts.Seconds, 0, 59, Star.Allowed).Append(' ');
        }

        int minuteStart = text.Length;
        if (fixedTime)
        {
            AppendList(text, parts.Minutes).Append(' ');
            AppendList(text, parts.Hours);
        }
        else
        {
            AppendSet(text, parts.Minutes, 0, 59, Star.Allowed).Append(' ');
            AppendSet(text, parts.Hours, 0, 23, Star.Allowed);
            if (text.ToString(minuteStart, text.Length - minuteStart).AsSpan().IndexOfAny("*-/") < 0)
            {
                // e.g. "5 1-1 * * *": an interval expression whose sets are single values must still read as an interval.
                int firstMinute = BitOperations.TrailingZeroCount(parts.Minutes);
                string single = firstMinute.ToString(CultureInfo.InvariantCulture);
                text.Insert(minuteStart + single.Length, "-" + single);
            }
        }

        text.Append(' ');
        bool dayOfMonthStar = (parts.Flags & CronFlags.DayOfMonthStar) != 0;
        switch (parts.DayOfMonthRule)
        {
            case DayOfMonthRule.Last:
                text.Append('L');
                if (parts.DayOfMonthValue > 0)
                {
                    text.Append('-').Append(parts.DayOfMonthValue);
                }

                break;
            case DayOfMonthRule.LastWeekday:
                text.Append("LW");
                break;
            case DayOfMonthRule.NearestWeekday:
                text.Append(parts.DayOfMonthValue).Append('W');
                break;
            default:
                AppendSet(text, parts.DaysOfMonth, 1, 31, dayOfMonthStar ? Star.Required : Star.Never);
                break;
        }

        text.Append(' ');
        AppendSet(text, parts.Months, 1, 12, Star.Allowed);
        text.Append(' ');
        bool dayOfWeekStar = (parts.Flags & CronFlags.DayOfWeekStar) != 0;
        switch (parts.DayOfWeekRule)
        {
            case DayOfWeekRule.Last:
                text.Append(parts.DayOfWeekValue).Append('L');
                break;
            case DayOfWeekRule.Nth:
                text.Append(parts.DayOfWeekValue).Append('#').Append(parts.DayOfWeekNth);
                break;
            default:
                AppendSet(text, parts.DaysOfWeek, 0, 6, dayOfWeekStar ? Star.Required : Star.Never);
                break;
        }

        return text.ToString();
    }

    /// <summary>Only numbers and commas: the spelling of a fixed-time minute or hour field.</summary>
    private static StringBuilder AppendList(StringBuilder text, ulong mask)
    {
        bool first = true;
        for (ulong rest = mask; rest != 0; rest &= rest - 1)
        {
            if (!first)
            {
                text.Append(',');
            }

            text.Append(BitOperations.TrailingZeroCount(rest));
            first = false;
        }

        return text;
    }

    /// <summary>
    /// A set as <c>*</c>, <c>*/n</c>, or ranges and values. A day field that began with <c>*</c> must begin with <c>*</c>
    /// again (<see cref="Star.Required"/>): the largest <c>*/n</c> inside the set, then whatever that leaves out. A day
    /// field that did not must not (<see cref="Star.Never"/>).
    /// </summary>
    private static StringBuilder AppendSet(StringBuilder text, ulong mask, int min, int max, Star star)
    {
        ulong full = CronParser.Bits(min, max);
        int span = max - min + 1;
        if (star != Star.Never && mask == full)
        {
            return text.Append('*');
        }

        if (star == Star.Required)
        {
            // The field began with * (so it holds its minimum): try the densest */n first; */span is just the minimum, and
            // always fits, so the loop always ends with a match.
            for (int step = 2; step <= span; step++)
            {
                ulong stepped = Stepped(min, max, step);
                if ((mask & stepped) == stepped)
                {
                    text.Append("*/").Append(step);
                    mask &= ~stepped;
                    return mask == 0 ? text : AppendRanges(text.Append(','), mask);
                }
            }
        }
        else if (star == Star.Allowed)
        {
            for (int step = 2; step <= span / 2; step++)
            {
                if (mask == Stepped(min, max, step))
                {
                    return text.Append("*/").Append(step);
                }
            }
        }

        return AppendRanges(text, mask);
    }

    private static ulong Stepped(int min, int max, int step)
    {
        ulong mask = 0;
        for (int v = min; v <= max; v += step)
        {
            mask |= 1UL << v;
        }

        return mask;
    }

    private static StringBuilder AppendRanges(StringBuilder text, ulong mask)
    {
        bool first = true;
        while (mask != 0)
        {
            int from = BitOperations.TrailingZeroCount(mask);
            int to = from;
            while (to < 63 && (mask & (1UL << (to + 1))) != 0)
            {
                to++;
            }

            if (!first)
            {
                text.Append(',');
            }

            first = false;
            text.Append(from);
            if (to == from + 1)
            {
                text.Append(',').Append(to);
            }
            else if (to > from)
            {
                text.Append('-').Append(to);
            }

            mask &= ~CronParser.Bits(from, to);
        }

        return text;
    }

    private enum Star
    {
        Never,
        Allowed,
        Required,
    }
}
