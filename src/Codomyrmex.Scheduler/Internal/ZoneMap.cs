using System.Runtime.CompilerServices;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>
/// The UTC-offset history of one <see cref="TimeZoneInfo"/>: a sorted array of transitions, filled in lazily a few years
/// at a time.
/// </summary>
/// <remarks>
/// <see cref="TimeZoneInfo"/> answers "what is the offset at this instant" correctly but slowly (its adjustment rules are
/// evaluated on every call), and the cron engine needs that answer for every occurrence. The map asks the zone once per
/// day of each year it covers, bisects each change of offset to the second, and from then on answers with a binary search
/// over a handful of longs. There is one map per zone instance; its coverage is an immutable snapshot, so readers never
/// lock and only extending the covered years takes a lock. The map is a pure cache of what the zone itself says.
/// </remarks>
internal sealed class ZoneMap
{
    private const long Day = TimeSpan.TicksPerDay;

    /// <summary>One past the last tick a <see cref="DateTime"/> can hold: the start of year 10000.</summary>
    private const long EndOfTime = 3155378976000000000L;

    private static readonly ConditionalWeakTable<TimeZoneInfo, ZoneMap> Maps = new();

    private readonly Lock _extendLock = new();
    private volatile Coverage? _coverage;

    private ZoneMap(TimeZoneInfo zone)
    {
        Zone = zone;
        if (zone.GetAdjustmentRules().Length == 0)
        {
            IsFixed = true;
            FixedOffset = zone.BaseUtcOffset.Ticks;
        }
    }

    /// <summary>Gets the zone this map describes.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>Gets a value indicating whether the zone has one offset for all time (UTC and zones without rules).</summary>
    public bool IsFixed { get; }

    /// <summary>Gets the zone's offset in ticks when <see cref="IsFixed"/> is true.</summary>
    public long FixedOffset { get; }

    /// <summary>Gets the shared map of a zone.</summary>
    public static ZoneMap For(TimeZoneInfo zone) => Maps.GetValue(zone, static z => new ZoneMap(z));

    /// <summary>Finds the span of constant offset that contains <paramref name="utcTicks"/>.</summary>
    /// <remarks>
    /// A segment's bounds are real transitions, except at the edges of the covered years, where a segment may end without a
    /// change of offset (callers simply move on to the next segment). Coverage always reaches at least a year before the
    /// instant asked about, so a segment that starts at the edge of coverage never hides a recent fall-back.
    /// </remarks>
    public ZoneSegment GetSegment(long utcTicks)
    {
        Coverage? coverage = _coverage;
        if (coverage is null || !coverage.Covers(utcTicks))
        {
            coverage = Extend(utcTicks);
        }

        return coverage.Find(utcTicks);
    }

    private Coverage Extend(long utcTicks)
    {
        lock (_extendLock)
        {
            Coverage? current = _coverage;
            if (current is not null && current.Covers(utcTicks))
            {
                return current;
            }

            int year = new DateTime(Math.Min(utcTicks, DateTime.MaxValue.Ticks), DateTimeKind.Utc).Year;
            long wantFrom = YearStart(Math.Max(1, year - 1));
            long wantTo = YearStart(Math.Min(CalendarMath.MaxYear + 1, year + 2));

            var transitions = new List<long>();
            var offsets = new List<long>();
            long from;
            long to;
            if (current is null)
            {
                from = wantFrom;
                to = wantTo;
                Probe(from, to, transitions, offsets);
            }
            else
            {
                from = Math.Min(wantFrom, current.FromUtc);
                to = Math.Max(wantTo, current.ToUtc);
                Probe(from, current.FromUtc, transitions, offsets);
                current.AppendTo(transitions, offsets);
                Probe(current.ToUtc, to, transitions, offsets);
            }

            var coverage = new Coverage(from, to, OffsetAt(from), [.. transitions], [.. offsets]);
            _coverage = coverage;
            return coverage;
        }
    }

    private static long YearStart(int year) => year > CalendarMath.MaxYear ? EndOfTime : CalendarMath.DayNumber(year, 1, 1) * Day;

    private long OffsetAt(long utcTicks) =>
        Zone.GetUtcOffset(new DateTime(Math.Min(utcTicks, DateTime.MaxValue.Ticks), DateTimeKind.Utc)).Ticks;

    /// <summary>Records every change of offset in (<paramref name="from"/>, <paramref name="to"/>].</summary>
    private void Probe(long from, long to, List<long> transitions, List<long> offsets)
    {
        long previous = from;
        long previousOffset = OffsetAt(from);
        while (previous < to)
        {
            long next = Math.Min(previous + Day, to);
            long nextOffset = OffsetAt(next);
            if (nextOffset == previousOffset)
            {
                previous = next;
                continue;
            }

            // Bisect to the first whole second that no longer has the previous offset. Transitions are whole seconds.
            long low = previous;
            long high = next;
            while (high - low > TimeSpan.TicksPerSecond)
            {
                long middle = low + Math.Max(TimeSpan.TicksPerSecond, (high - low) / 2 / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond);
                if (OffsetAt(middle) == previousOffset)
                {
                    low = middle;
                }
                else
                {
                    high = middle;
                }
            }

            // Continue from the transition itself, so that two changes within one probed day are both found.
            transitions.Add(high);
            previousOffset = OffsetAt(high);
            offsets.Add(previousOffset);
            previous = high;
        }
    }

    /// <summary>An immutable covered span: transitions in UTC ticks and the offset that starts at each.</summary>
    private sealed class Coverage(long fromUtc, long toUtc, long offsetAtFrom, long[] transitions, long[] offsetsAfter)
    {
        private const long Margin = 366 * Day;

        public long FromUtc { get; } = fromUtc;

        public long ToUtc { get; } = toUtc;

        public bool Covers(long utcTicks) => utcTicks < ToUtc && (utcTicks >= FromUtc + Margin || FromUtc == 0);

        public void AppendTo(List<long> transitions1, List<long> offsets1)
        {
            transitions1.AddRange(transitions);
            offsets1.AddRange(offsetsAfter);
        }

        public ZoneSegment Find(long utcTicks)
        {
            // The last transition at or before the instant.
            int low = 0;
            int high = transitions.Length - 1;
            while (low <= high)
            {
                int middle = (low + high) >>> 1;
                if (transitions[middle] <= utcTicks)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            int index = high;
            long offset = index >= 0 ? offsetsAfter[index] : offsetAtFrom;
            long start = index >= 0 ? transitions[index] : FromUtc;
            long previousOffset = index > 0 ? offsetsAfter[index - 1] : index == 0 ? offsetAtFrom : offset;
            bool hasNext = index + 1 < transitions.Length;
            long end = hasNext ? transitions[index + 1] : ToUtc;
            long nextOffset = hasNext ? offsetsAfter[index + 1] : offset;
            return new ZoneSegment(start, previousOffset, offset, end, nextOffset);
        }
    }
}

/// <summary>A span of UTC time during which a zone's offset is constant, with the offsets on either side of it.</summary>
/// <param name="StartUtc">The first instant of the span, in UTC ticks.</param>
/// <param name="PreviousOffset">The offset just before <paramref name="StartUtc"/>, in ticks.</param>
/// <param name="Offset">The offset during the span, in ticks.</param>
/// <param name="EndUtc">The first instant after the span, in UTC ticks.</param>
/// <param name="NextOffset">The offset from <paramref name="EndUtc"/> on, in ticks.</param>
internal readonly record struct ZoneSegment(long StartUtc, long PreviousOffset, long Offset, long EndUtc, long NextOffset);
