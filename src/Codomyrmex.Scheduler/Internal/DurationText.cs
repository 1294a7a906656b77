using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>
/// Durations as people write them in configuration and on command lines: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>,
/// <c>2d</c>, <c>1d12h</c>, or the invariant <see cref="TimeSpan"/> form <c>[d.]hh:mm[:ss[.fffffff]]</c>.
/// </summary>
/// <remarks>
/// <para>
/// The unit form is a run of <c>number unit</c> pairs without spaces, units from largest to smallest and each at most once:
/// <c>d</c> (24 hours), <c>h</c>, <c>m</c>, <c>s</c> and <c>ms</c>, in any case. A number may have a fraction
/// (<c>1.5h</c>, <c>0.25s</c>); the total is rounded to the nearest tick (100 ns). Being strict about order catches typos such
/// as <c>5m1h</c> that a lenient reader (Go's <c>time.ParseDuration</c>) would silently add up.
/// </para>
/// <para>
/// Negative durations are errors: nothing in a schedule waits a negative time. Zero (<c>0s</c>, <c>00:00:00</c>) is
/// allowed; callers that need a positive duration check for it and say so.
/// </para>
/// </remarks>
internal static class DurationText
{
    private const string Units = "d, h, m, s or ms";
    private const string Example = "for example 30s, 1h30m, 500ms or 1.02:00:00";

    /// <summary>The units from largest to smallest, with their length in ticks.</summary>
    private static readonly (string Name, long Ticks)[] UnitTable =
    [
        ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
        ("ms", TimeSpan.TicksPerMillisecond),
    ];

    /// <summary>Parses a duration.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a duration, or is negative; the message names the text and says why.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out TimeSpan value, out string? reason)
            ? value
            : throw new FormatException($"The duration \"{text}\" is invalid: {reason}.");
    }

    /// <summary>Tries to parse a duration.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value) =>
        TryParse(text, out value, out _);

    /// <summary>Tries to parse a duration, and on failure says why in a lower-case clause that names the bad part.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value, [NotNullWhen(false)] out string? reason)
    {
        value = TimeSpan.Zero;
        if (text is null)
        {
            reason = "it is null";
            return false;
        }

        ReadOnlySpan<char> span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            reason = $"it is empty; use a number and a unit ({Units}), {Example}";
            return false;
        }

        if (span[0] == '-')
        {
            reason = "a duration must not be negative";
            return false;
        }

        return span.Contains(':') ? TryParseClock(span, out value, out reason) : TryParseUnits(span, out value, out reason);
    }

    /// <summary>Writes a duration in the unit form, which <see cref="Parse"/> reads back to the same value.</summary>
    /// <returns>For example <c>1d12h</c>, <c>1h30m</c>, <c>500ms</c>, <c>1.5ms</c>, or <c>0s</c> for zero.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static string Format(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        long rest = value.Ticks;
        foreach ((string name, long ticks) in UnitTable)
        {
            long count = rest / ticks;
            rest -= count * ticks;
            bool last = name == "ms";
            if (count != 0 || (last && rest != 0))
            {
                // What is left below a millisecond becomes the fraction of the last unit: 1234567 ticks is 123.4567ms.
                decimal amount = last ? (count * ticks + rest) / (decimal)ticks : count;
                text.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(name);
            }
        }

        return text.ToString();
    }

    private static bool TryParseClock(ReadOnlySpan<char> span, out TimeSpan value, [NotNullWhen(false)] out string? reason)
    {
        if (TimeSpan.TryParseExact(span, "c", CultureInfo.InvariantCulture, out value))
        {
            reason = null;
            return true;
        }

        reason = "it is not [d.]hh:mm[:ss[.fffffff]] with hours 0-23 and minutes and seconds 0-59, " +
            $"nor a number and a unit ({Units})";
        return false;
    }

    private static bool TryParseUnits(ReadOnlySpan<char> span, out TimeSpan value, [NotNullWhen(false)] out string? reason)
    {
        value = TimeSpan.Zero;
        decimal total = 0;
        int previous = -1;
        int i = 0;
        while (i < span.Length)
        {
            int numberStart = i;
            while (i < span.Length && (char.IsAsciiDigit(span[i]) || span[i] == '.'))
            {
                i++;
            }

            ReadOnlySpan<char> number = span[numberStart..i];
            int unitStart = i;
            while (i < span.Length && char.IsAsciiLetter(span[i]))
            {
                i++;
            }

            ReadOnlySpan<char> unit = span[unitStart..i];
            if (number.IsEmpty && unit.IsEmpty)
            {
                reason = $"\"{span[i]}\" is not part of a duration; use a number and a unit ({Units}) without spaces, {Example}";
                return false;
            }

            if (number.IsEmpty)
            {
                reason = $"the unit \"{unit}\" has no number before it; {Example}";
                return false;
            }

            if (!IsDecimal(number))
            {
                reason = $"\"{number}\" is not a number";
                return false;
            }

            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount))
            {
                return TooLong(out reason);
            }

            if (unit.IsEmpty)
            {
                reason = $"\"{number}\" has no unit; use {Units}, {Example}";
                return false;
            }

            int index = IndexOfUnit(unit);
            if (index < 0)
            {
                reason = $"\"{unit}\" is not a unit; use {Units}, {Example}";
                return false;
            }

            if (index <= previous)
            {
                reason = $"\"{unit}\" comes after \"{UnitTable[previous].Name}\"; write each unit once, from largest to smallest, as in 1d12h or 1h30m";
                return false;
            }

            long unitTicks = UnitTable[index].Ticks;
            if (amount > TimeSpan.MaxValue.Ticks / unitTicks)
            {
                return TooLong(out reason);
            }

            total += amount * unitTicks;
            previous = index;
        }

        total = Math.Round(total, MidpointRounding.AwayFromZero);
        if (total > TimeSpan.MaxValue.Ticks)
        {
            return TooLong(out reason);
        }

        value = TimeSpan.FromTicks((long)total);
        reason = null;
        return true;
    }

    private static bool TooLong(out string reason)
    {
        reason = "it is longer than the longest duration, " + TimeSpan.MaxValue.ToString("c", CultureInfo.InvariantCulture);
        return false;
    }

    /// <summary>Digits with at most one point that has digits on both sides (no <c>.5</c>, <c>5.</c> or <c>1.2.3</c>).</summary>
    private static bool IsDecimal(ReadOnlySpan<char> number)
    {
        int point = number.IndexOf('.');
        return point < 0 || (point > 0 && point < number.Length - 1 && number[(point + 1)..].IndexOf('.') < 0);
    }

    private static int IndexOfUnit(ReadOnlySpan<char> unit)
    {
        for (int i = 0; i < UnitTable.Length; i++)
        {
            if (unit.Equals(UnitTable[i].Name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
