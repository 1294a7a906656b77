using System.Collections.Concurrent;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// A brute-force reference for the cron dialect in README.md: it asks, instant by instant, "does the expression fire now?", using only
/// <see cref="TimeZoneInfo.GetUtcOffset(DateTime)"/> and <see cref="CronSpec.Matches"/>. Slow, and obviously right.
/// </summary>
/// <remarks>
/// An instant fires when
/// <list type="bullet">
/// <item>its local time matches, unless the expression is a fixed time and that local time was already shown earlier
/// (the second pass of a fall-back overlap; an interval expression fires in both passes); or</item>
/// <item>it is the first instant after a spring-forward gap and some local time inside the gap matches (all of them
/// merge into this one occurrence).</item>
/// </list>
/// Occurrences are whole local seconds (whole minutes without a second field). In 1990-2060 every offset of the zones under
/// test is a whole number of minutes and every change happens on a whole minute, so whole local minutes are whole UTC
/// minutes; <see cref="Offset"/> checks that.
/// </remarks>
internal static class CronReference
{
    private static readonly ConcurrentDictionary<TimeZoneInfo, IReadOnlyList<long>> TransitionCache = new();

    public static TimeZoneInfo Zone(string id) => id == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(id);

    /// <summary>The zone's offset at an instant, in ticks (before or after the range of DateTime, the offset at its edge).</summary>
    public static long Offset(TimeZoneInfo zone, long utcTicks)
    {
        long offset = zone.GetUtcOffset(new DateTime(Math.Clamp(utcTicks, 0, DateTime.MaxValue.Ticks), DateTimeKind.Utc)).Ticks;
        if (offset % TimeSpan.TicksPerMinute != 0)
        {
            throw new InvalidOperationException($"The reference assumes whole-minute offsets; {zone.Id} has {offset} ticks at {utcTicks}.");
        }

        return offset;
    }

    /// <summary>An instant, shown with the zone's offset at that instant.</summary>
    public static DateTimeOffset At(TimeZoneInfo zone, long utcTicks)
    {
        long offset = Offset(zone, utcTicks);
        return new DateTimeOffset(utcTicks + offset, new TimeSpan(offset));
    }

    /// <summary>Whether the expression fires at this instant (which must be a whole second).</summary>
    public static bool Fires(CronSpec spec, TimeZoneInfo zone, long utc)
    {
        if (utc % spec.Step != 0)
        {
            return false;
        }

        long offset = Offset(zone, utc);
        var local = new DateTime(utc + offset);
        if (spec.Matches(local) && !(spec.FixedTime && IsRepeated(zone, utc)))
        {
            return true;
        }

        long offsetBefore = Offset(zone, utc - 1);
        return offsetBefore < offset && GapMatches(spec, utc + offsetBefore, utc + offset);
    }

    /// <summary>
    /// Whether the local time shown at <paramref name="utc"/> was already shown at an earlier instant. Any such instant is
    /// utc - (its offset - our offset), so it is enough to try the offsets of the last few hours.
    /// </summary>
    public static bool IsRepeated(TimeZoneInfo zone, long utc)
    {
        long offset = Offset(zone, utc);
        long local = utc + offset;
        for (int k = 1; k <= 16; k++)
        {
            long candidate = Offset(zone, utc - (k * 15 * TimeSpan.TicksPerMinute));
            long earlier = local - candidate;
            if (earlier < utc && Offset(zone, earlier) == candidate)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The first instant in (after, after + window] at which the expression fires, or null.</summary>
    public static DateTimeOffset? Next(CronSpec spec, TimeZoneInfo zone, DateTimeOffset after, TimeSpan window)
    {
        long end = after.UtcTicks + window.Ticks;
        for (long t = FirstStepAfter(after.UtcTicks, spec.Step); t <= end; t += spec.Step)
        {
            if (Fires(spec, zone, t))
            {
                return At(zone, t);
            }
        }

        return null;
    }

    /// <summary>Every instant in [from, to) at which the expression fires.</summary>
    public static List<DateTimeOffset> All(CronSpec spec, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to)
    {
        var all = new List<DateTimeOffset>();
        for (long t = FirstStepAfter(from.UtcTicks - 1, spec.Step); t < to.UtcTicks; t += spec.Step)
        {
            if (Fires(spec, zone, t))
            {
                all.Add(At(zone, t));
            }
        }

        return all;
    }

    /// <summary>
    /// Whether any day in the 400 years (one full Gregorian cycle) from <paramref name="year"/> matches the day and month fields.
    /// </summary>
    public static bool AnyDay(CronSpec spec, int year)
    {
        for (var day = new DateOnly(year, 1, 1); day.Year < year + 400; day = day.AddDays(1))
        {
            if (spec.Month.Values[day.Month] && spec.DayMatches(day.Year, day.Month, day.Day))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The zone's changes of offset in 1990-2060 (UTC ticks), found by asking it day by day and bisecting.</summary>
    public static IReadOnlyList<long> Transitions(TimeZoneInfo zone) => TransitionCache.GetOrAdd(zone, static z =>
    {
        var transitions = new List<long>();
        long day = new DateTime(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        long end = new DateTime(2061, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        for (; day < end; day += TimeSpan.TicksPerDay)
        {
            long low = day;
            long high = day + TimeSpan.TicksPerDay;
            if (Offset(z, low) == Offset(z, high))
            {
                continue;
            }

            while (high - low > TimeSpan.TicksPerMinute)
            {
                long middle = low + ((high - low) / 2 / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute);
                if (Offset(z, middle) == Offset(z, low))
                {
                    low = middle;
                }
                else
                {
                    high = middle;
                }
            }

            if (Offset(z, high - 1) == Offset(z, high))
            {
                throw new InvalidOperationException(
                    $"The reference assumes offset changes on whole minutes; {z.Id} changes just before {high}.");
            }

            transitions.Add(high);
        }

        return transitions;
    });

    private static bool GapMatches(CronSpec spec, long fromLocal, long toLocal)
    {
        for (long local = fromLocal; local < toLocal; local += spec.Step)
        {
            if (spec.Matches(new DateTime(local)))
            {
                return true;
            }
        }

        return false;
    }

    private static long FirstStepAfter(long ticks, long step) => ticks - (((ticks % step) + step) % step) + step;
}
