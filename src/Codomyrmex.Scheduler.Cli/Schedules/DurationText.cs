using System.Globalization;

namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>Durations as people write them in configuration: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c> or <c>01:30:00</c>.</summary>
/// <remarks>Interim: replaced by the core library's internal <c>DurationText</c> (branch <c>json</c>) once it is merged.</remarks>
internal static class DurationText
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        ReadOnlySpan<char> rest = text.AsSpan().Trim();
        if (rest.Contains(':'))
        {
            return TimeSpan.TryParseExact(rest, "c", CultureInfo.InvariantCulture, out value);
        }

        if (rest.IsEmpty)
        {
            return false;
        }

        long ticks = 0;
        while (!rest.IsEmpty)
        {
            int digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            int unitLength = 0;
            while (digits + unitLength < rest.Length && char.IsAsciiLetter(rest[digits + unitLength]))
            {
                unitLength++;
            }

            if (digits == 0 || !long.TryParse(rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out long amount))
            {
                return false;
            }

            long unit = rest.Slice(digits, unitLength) switch
            {
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                "d" => TimeSpan.TicksPerDay,
                _ => 0,
            };
            if (unit == 0 || amount > (TimeSpan.MaxValue.Ticks - ticks) / unit)
            {
                return false;
            }

            ticks += amount * unit;
            rest = rest[(digits + unitLength)..];
        }

        value = TimeSpan.FromTicks(ticks);
        return true;
    }
}
