using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler;

/// <summary>A parsed cron expression that computes occurrences in any time zone, correctly across daylight-saving changes.</summary>
/// <remarks>
/// <para>
/// The dialect is crontab(5) with the extensions Quartz and Cronos users rely on: <c>*</c>, <c>?</c>, values, ranges,
/// steps, lists, month and weekday names in any case, day-of-week 0-7, reversed ranges that wrap (<c>FRI-MON</c>,
/// <c>22-2</c>), <c>L</c>, <c>L-n</c>, <c>LW</c> and <c>nW</c> in day-of-month, <c>nL</c> and <c>n#k</c> in day-of-week,
/// and the macros <c>@yearly</c>, <c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c>, <c>@midnight</c>
/// and <c>@hourly</c>.
/// </para>
/// <para>
/// When both day fields are restricted and neither begins with <c>*</c> or <c>?</c>, a day matches if <em>either</em>
/// field matches, as in Vixie cron and POSIX crontab (<c>0 0 13 * 5</c> runs on every 13th and every Friday). If
/// either begins with <c>*</c> (<c>*/2</c> included), both must match. Cronos, NCrontab and Hangfire use "both" in
/// every case.
/// </para>
/// <para>
/// Daylight saving: an occurrence whose local time falls into a spring-forward gap fires once, at the first instant
/// after the gap. In a fall-back overlap, an expression whose minute and hour fields hold only numbers and commas
/// (a "fixed time" such as <c>30 1 * * *</c>) fires once, in the first pass; one whose minute or hour field contains
/// <c>*</c>, <c>-</c> or <c>/</c> fires in both passes.
/// </para>
/// <para>
/// Instances are immutable and safe to use from any number of threads; parsing a macro such as <c>@daily</c> returns one
/// shared instance. After parsing, computing an occurrence allocates nothing (a zone's offset history is cached the first
/// time a year of it is used) and never searches minute by minute: it jumps field by field over bit masks.
/// </para>
/// </remarks>
public sealed class CronExpression : IEquatable<CronExpression>
{
    /// <summary>No expression has an occurrence further away than this: the Gregorian calendar repeats every 400 years.</summary>
    private const int SearchYears = 401;

    /// <summary>Bits 1..31: <c>*</c> in the day-of-month field.</summary>
    private const uint AllDaysOfMonth = 0xFFFF_FFFE;

    /// <summary>Bits 0..6: <c>*</c> in the day-of-week field.</summary>
    private const byte AllDaysOfWeek = 0x7F;

    /// <summary>Bits 1, 3, 5, 7, 8, 10 and 12: the months with 31 days.</summary>
    private const ushort MonthsOf31Days = 0b1_0101_1010_1010;

    /// <summary>Bits 4, 6, 9 and 11: the months with 30 days.</summary>
    private const ushort MonthsOf30Days = 0b1010_0101_0000;

    /// <summary>
    /// The expressions the macros stand for, by format and then by macro from <see cref="CronMacro.Yearly"/> on. Parsing a
    /// macro returns one of these instead of a new instance, which is safe because an expression is immutable.
    /// </summary>
    private static readonly CronExpression[][] MacroExpressions =
    [
        CreateMacroExpressions(CronFormat.Standard),
        CreateMacroExpressions(CronFormat.IncludeSeconds),
    ];

    private readonly ulong _seconds;
    private readonly ulong _minutes;
    private readonly uint _hours;
    private readonly uint _daysOfMonth;
    private readonly ushort _months;
    private readonly byte _daysOfWeek;
    private readonly DayOfMonthRule _dayOfMonthRule;
    private readonly byte _dayOfMonthValue;
    private readonly DayOfWeekRule _dayOfWeekRule;
    private readonly byte _dayOfWeekValue;
    private readonly byte _dayOfWeekNth;
    private readonly CronFlags _flags;
    private readonly bool _either;
    private readonly bool _everyDayOfMonth;
    private readonly bool _everyDayOfWeek;
    private readonly bool _everyDay;
    private readonly bool _never;

    /// <summary>Where <see cref="NeverFires"/> looks: 401 years from here are well inside the calendar.</summary>
    private static readonly DateTimeOffset NeverFiresProbe = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private int _neverFires;
    private string? _text;
    private ZoneMap? _lastZone;

    private CronExpression(in CronParts parts, CronFormat format)
    {
        _seconds = parts.Seconds;
        _minutes = parts.Minutes;
        _hours = (uint)parts.Hours;
        _daysOfMonth = (uint)parts.DaysOfMonth;
        _months = (ushort)parts.Months;
        _daysOfWeek = (byte)parts.DaysOfWeek;
        _dayOfMonthRule = parts.DayOfMonthRule;
        _dayOfMonthValue = (byte)parts.DayOfMonthValue;
        _dayOfWeekRule = parts.DayOfWeekRule;
        _dayOfWeekValue = (byte)parts.DayOfWeekValue;
        _dayOfWeekNth = (byte)parts.DayOfWeekNth;
        _flags = parts.Flags;
        Format = format;
        _either = (_flags & (CronFlags.DayOfMonthStar | CronFlags.DayOfWeekStar)) == 0;
        _everyDayOfMonth = _dayOfMonthRule == DayOfMonthRule.Days && _daysOfMonth == AllDaysOfMonth;
        _everyDayOfWeek = _dayOfWeekRule == DayOfWeekRule.Days && _daysOfWeek == AllDaysOfWeek;
        _everyDay = _either ? _everyDayOfMonth || _everyDayOfWeek : _everyDayOfMonth && _everyDayOfWeek;
        _never = !HasAnyDay();
    }

    /// <summary>Gets the format the expression was parsed with.</summary>
    /// <value><see cref="CronFormat.IncludeSeconds"/> if the text had a leading second field; otherwise <see cref="CronFormat.Standard"/>.</value>
    public CronFormat Format { get; }

    /// <summary>Gets a value indicating whether the expression fires only once when a fall-back repeats its local time.</summary>
    /// <value>
    /// <see langword="true"/> if the minute and hour fields hold only numbers and commas (for example <c>30 1 * * *</c>);
    /// <see langword="false"/> if either contains <c>*</c>, <c>-</c> or <c>/</c>, in which case the expression fires in
    /// both passes of an overlap.
    /// </value>
    public bool IsFixedTime => (_flags & CronFlags.FixedTime) != 0;

    /// <summary>Gets a value indicating whether the expression matches no date at all, such as <c>0 0 30 2 *</c> (30 February).</summary>
    /// <value>
    /// <see langword="true"/> if <see cref="GetNextOccurrence"/> returns <see langword="null"/> from every instant, in every zone.
    /// When it is <see langword="false"/>, a <see langword="null"/> from <see cref="GetNextOccurrence"/> means that the next
    /// occurrence would come after the end of the calendar (year 9999), not that the expression never fires.
    /// </value>
    /// <remarks>
    /// The Gregorian calendar repeats every 400 years, so an expression that matches any date matches one in every 400 years;
    /// the answer is computed once, on the first call.
    /// </remarks>
    public bool NeverFires
    {
        get
        {
            // 0 unknown, 1 fires, 2 never: an int is read and written whole by racing threads, which compute the same answer.
            if (_neverFires == 0)
            {
                _neverFires = _never || GetNextOccurrence(NeverFiresProbe, TimeZoneInfo.Utc) is null ? 2 : 1;
            }

            return _neverFires == 2;
        }
    }

    /// <summary>Compares two expressions by their schedules.</summary>
    /// <param name="left">The first expression, or <see langword="null"/>.</param>
    /// <param name="right">The second expression, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> if both are null or both have equal schedules.</returns>
    public static bool operator ==(CronExpression? left, CronExpression? right) => Equals(left, right);

    /// <summary>Compares two expressions by their schedules.</summary>
    /// <param name="left">The first expression, or <see langword="null"/>.</param>
    /// <param name="right">The second expression, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> if exactly one is null or the schedules differ.</returns>
    public static bool operator !=(CronExpression? left, CronExpression? right) => !Equals(left, right);

    /// <summary>Parses a cron expression.</summary>
    /// <param name="text">The expression, for example <c>0 9 * * MON-FRI</c> or <c>@daily</c>.</param>
    /// <param name="format">Whether the expression has a leading seconds field.</param>
    /// <returns>The parsed expression.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">
    /// The text is not a valid expression; the message names the field and the token that is wrong.
    /// </exception>
    public static CronExpression Parse(string text, CronFormat format = CronFormat.Standard)
    {
        ArgumentNullException.ThrowIfNull(text);
        ValidateFormat(format);
        if (!CronParser.TryParse(text, format, out CronParts parts, out CronParseError error))
        {
            throw new FormatException(error.ToMessage(text, format));
        }

        return Create(parts, format);
    }

    /// <summary>Tries to parse a cron expression.</summary>
    /// <param name="text">The expression.</param>
    /// <param name="format">Whether the expression has a leading seconds field.</param>
    /// <param name="result">The parsed expression, or <see langword="null"/> if the text is not valid.</param>
    /// <returns><see langword="true"/> if <paramref name="text"/> is a valid expression.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, CronFormat format, [NotNullWhen(true)] out CronExpression? result)
    {
        if (text is null || format is not (CronFormat.Standard or CronFormat.IncludeSeconds) ||
            !CronParser.TryParse(text, format, out CronParts parts, out _))
        {
            result = null;
            return false;
        }

        result = Create(parts, format);
        return true;
    }

    /// <summary>Tries to parse a cron expression in the standard five-field format.</summary>
    /// <param name="text">The expression.</param>
    /// <param name="result">The parsed expression, or <see langword="null"/> if the text is not valid.</param>
    /// <returns><see langword="true"/> if <paramref name="text"/> is a valid expression.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out CronExpression? result) =>
        TryParse(text, CronFormat.Standard, out result);

    /// <summary>Gets the first occurrence strictly after an instant, in a time zone.</summary>
    /// <param name="after">The instant to search from; an occurrence at exactly this instant is not returned.</param>
    /// <param name="zone">The zone whose wall clock the expression describes.</param>
    /// <returns>
    /// The next occurrence, with the zone's offset at that instant; or <see langword="null"/> if there is none before the
    /// end of <see cref="DateTimeOffset.MaxValue"/> (for example <c>0 0 30 2 *</c>, which names a day that never exists).
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="zone"/> is null.</exception>
    /// <remarks>See the remarks on <see cref="CronExpression"/> for how occurrences in DST gaps and overlaps are chosen.</remarks>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (_never)
        {
            return null;
        }

        ZoneMap? map = _lastZone;
        if (map is null || !ReferenceEquals(map.Zone, zone))
        {
            map = ZoneMap.For(zone);
            _lastZone = map;
        }

        long utc = after.UtcTicks;
        long result;
        long offset;
        if (map.IsFixed)
        {
            offset = map.FixedOffset;
            long local = FindNext(NextSecond(utc + offset));
            result = local < 0 ? -1 : local - offset;
        }
        else
        {
            result = FindNextZoned(utc, map, out offset);
        }

        if (result < 0 || result + offset > DateTime.MaxValue.Ticks || result > DateTime.MaxValue.Ticks)
        {
            return null;
        }

        return new DateTimeOffset(result + offset, new TimeSpan(offset));
    }

    /// <summary>Enumerates the occurrences from an instant (inclusive) up to another (exclusive), in a time zone.</summary>
    /// <param name="from">The first instant that may be returned.</param>
    /// <param name="to">The end of the window; occurrences at or after it are not returned.</param>
    /// <param name="zone">The zone whose wall clock the expression describes.</param>
    /// <returns>The occurrences in order, each with the zone's offset at that instant.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="zone"/> is null.</exception>
    public IEnumerable<DateTimeOffset> GetOccurrences(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return Enumerate(from, to, zone);
    }

    /// <summary>Returns the canonical text of the expression, which <see cref="Parse"/> turns back into an equal expression.</summary>
    /// <returns>The fields separated by single spaces, with names as numbers and macros expanded.</returns>
    public override string ToString() => _text ??= CronFormatter.Format(this);

    /// <inheritdoc/>
    public bool Equals([NotNullWhen(true)] CronExpression? other) =>
        other is not null &&
        _seconds == other._seconds && _minutes == other._minutes && _hours == other._hours &&
        _daysOfMonth == other._daysOfMonth && _months == other._months && _daysOfWeek == other._daysOfWeek &&
        _dayOfMonthRule == other._dayOfMonthRule && _dayOfMonthValue == other._dayOfMonthValue &&
        _dayOfWeekRule == other._dayOfWeekRule && _dayOfWeekValue == other._dayOfWeekValue && _dayOfWeekNth == other._dayOfWeekNth &&
        _flags == other._flags;

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is CronExpression other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(_seconds);
        hash.Add(_minutes);
        hash.Add(_hours);
        hash.Add(_daysOfMonth);
        hash.Add(_months);
        hash.Add(_daysOfWeek);
        hash.Add(_dayOfMonthRule);
        hash.Add(_dayOfMonthValue);
        hash.Add(_dayOfWeekRule);
        hash.Add(_dayOfWeekValue);
        hash.Add(_dayOfWeekNth);
        hash.Add(_flags);
        return hash.ToHashCode();
    }

    internal CronParts GetParts() => new()
    {
        Seconds = _seconds,
        Minutes = _minutes,
        Hours = _hours,
        DaysOfMonth = _daysOfMonth,
        Months = _months,
        DaysOfWeek = _daysOfWeek,
        DayOfMonthRule = _dayOfMonthRule,
        DayOfMonthValue = _dayOfMonthValue,
        DayOfWeekRule = _dayOfWeekRule,
        DayOfWeekValue = _dayOfWeekValue,
        DayOfWeekNth = _dayOfWeekNth,
        Flags = _flags,
    };

    private static CronExpression Create(in CronParts parts, CronFormat format) =>
        parts.Macro == CronMacro.None ? new CronExpression(parts, format) : MacroExpressions[(int)format][(int)parts.Macro - 1];

    private static CronExpression[] CreateMacroExpressions(CronFormat format)
    {
        var expressions = new CronExpression[(int)CronMacro.Hourly];
        for (var macro = CronMacro.Yearly; macro <= CronMacro.Hourly; macro++)
        {
            expressions[(int)macro - 1] = new CronExpression(CronParser.GetMacroParts(macro), format);
        }

        return expressions;
    }

    private static void ValidateFormat(CronFormat format)
    {
        if (format is not (CronFormat.Standard or CronFormat.IncludeSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "The cron format must be Standard or IncludeSeconds.");
        }
    }

    /// <summary>The first whole second strictly after a local time, clamped to what a DateTime can hold.</summary>
    private static long NextSecond(long ticks)
    {
        if (ticks < 0)
        {
            return 0;
        }

        long next = ticks - (ticks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond;
        return next > DateTime.MaxValue.Ticks ? -1 : next;
    }

    private IEnumerable<DateTimeOffset> Enumerate(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        // One tick before `from`, so that an occurrence at exactly `from` is included.
        DateTimeOffset before = from.UtcTicks > 0 ? new DateTimeOffset(from.UtcTicks - 1, TimeSpan.Zero) : from;
        DateTimeOffset? next = GetNextOccurrence(before, zone);
        while (next is { } occurrence && occurrence < to)
        {
            yield return occurrence;
            next = GetNextOccurrence(occurrence, zone);
        }
    }

    /// <summary>
    /// Walks the zone's spans of constant offset from <paramref name="afterUtc"/> until a local match lands in one; see the
    /// class remarks for the gap and overlap rules this implements.
    /// </summary>
    private long FindNextZoned(long afterUtc, ZoneMap map, out long offset)
    {
        ZoneSegment segment = map.GetSegment(afterUtc);
        long bound = NextSecond(afterUtc + segment.Offset);
        if (bound < 0)
        {
            offset = 0;
            return -1;
        }

        if (IsFixedTime && segment.PreviousOffset > segment.Offset)
        {
            // After a fall-back, a fixed-time expression already fired in the first pass of the repeated hour(s).
            bound = Math.Max(bound, segment.StartUtc + segment.PreviousOffset);
        }

        long local = FindNext(bound);
        while (local >= 0)
        {
            if (local < segment.EndUtc + segment.Offset)
            {
                offset = segment.Offset;
                return local - segment.Offset;
            }

            if (segment.NextOffset > segment.Offset && local < segment.EndUtc + segment.NextOffset)
            {
                // The local time falls into a spring-forward gap: it fires at the first instant after the gap.
                offset = segment.NextOffset;
                return segment.EndUtc;
            }

            long endUtc = segment.EndUtc;
            if (endUtc > DateTime.MaxValue.Ticks)
            {
                // The last span ends with time itself (year 10000): the local match has no instant (and there is no next span).
                break;
            }

            long previousOffset = segment.Offset;
            segment = map.GetSegment(endUtc);
            if (segment.Offset < previousOffset && !IsFixedTime)
            {
                // A fall-back repeats local times: an interval expression fires again in the second pass. (A fixed-time
                // one resumes where the first pass ended, which is where `local` already is.)
                local = FindNext(endUtc + segment.Offset);
            }
        }

        offset = 0;
        return -1;
    }

    /// <summary>The first local time at or after <paramref name="start"/> (local ticks) that matches, or -1.</summary>
    private long FindNext(long start)
    {
        if (start < 0)
        {
            return -1;
        }

        Debug.Assert(start % TimeSpan.TicksPerSecond == 0, "The search starts on a whole second.");
        new DateTime(start).Deconstruct(out int year, out int month, out int day);
        long timeOfDay = start % TimeSpan.TicksPerDay;
        int hour = (int)(timeOfDay / TimeSpan.TicksPerHour);
        int minute = (int)(timeOfDay / TimeSpan.TicksPerMinute % 60);
        int second = (int)(timeOfDay / TimeSpan.TicksPerSecond % 60);
        int lastYear = Math.Min(CalendarMath.MaxYear, year + SearchYears);

        for (; year <= lastYear; year++, month = 1, day = 1, hour = 0, minute = 0, second = 0)
        {
            for (int m = NextBit(_months, month); m >= 0; m = NextBit(_months, ++month))
            {
                if (m != month)
                {
                    month = m;
                    day = 1;
                    hour = minute = second = 0;
                }

                uint days = DaysOf(year, month);
                for (int d = NextBit(days, day); d >= 0; d = NextBit(days, ++day))
                {
                    if (d != day)
                    {
                        day = d;
                        hour = minute = second = 0;
                    }

                    for (int h = NextBit(_hours, hour); h >= 0; h = NextBit(_hours, ++hour))
                    {
                        if (h != hour)
                        {
                            hour = h;
                            minute = second = 0;
                        }

                        for (int mi = NextBit(_minutes, minute); mi >= 0; mi = NextBit(_minutes, ++minute))
                        {
                            if (mi != minute)
                            {
                                minute = mi;
                                second = 0;
                            }

                            int s = NextBit(_seconds, second);
                            if (s >= 0)
                            {
                                return CalendarMath.ToTicks(year, month, day, hour, minute, s);
                            }

                            second = 0;
                        }

                        minute = second = 0;
                    }

                    hour = minute = second = 0;
                }

                day = 1;
                hour = minute = second = 0;
            }
        }

        return -1;
    }

    /// <summary>The lowest set bit at or above <paramref name="from"/> (at most 63), or -1.</summary>
    private static int NextBit(ulong mask, int from)
    {
        ulong rest = mask & (ulong.MaxValue << from);
        return rest == 0 ? -1 : BitOperations.TrailingZeroCount(rest);
    }

    /// <summary>The matching days of one month, as bits 1..31.</summary>
    private uint DaysOf(int year, int month)
    {
        int length = CalendarMath.DaysInMonth(year, month);
        uint all = (uint)((2UL << length) - 2);
        if (_everyDay)
        {
            return all;
        }

        int firstWeekday = CalendarMath.DayOfWeek(CalendarMath.DayNumber(year, month, 1));
        uint byMonthDay = _everyDayOfMonth ? all : MonthDays(length, firstWeekday);
        uint byWeekday = _everyDayOfWeek ? all : WeekDays(length, firstWeekday);
        return (_either ? byMonthDay | byWeekday : byMonthDay & byWeekday) & all;
    }

    private uint MonthDays(int length, int firstWeekday)
    {
        switch (_dayOfMonthRule)
        {
            case DayOfMonthRule.Last:
                return length > _dayOfMonthValue ? 1u << (length - _dayOfMonthValue) : 0;
            case DayOfMonthRule.LastWeekday:
            {
                int weekday = (firstWeekday + length - 1) % 7;
                int day = weekday switch { 6 => length - 1, 0 => length - 2, _ => length };
                return 1u << day;
            }

            case DayOfMonthRule.NearestWeekday:
            {
                int day = _dayOfMonthValue;
                if (day > length)
                {
                    return 0;
                }

                int weekday = (firstWeekday + day - 1) % 7;
                if (weekday == 6)
                {
                    day = day == 1 ? 3 : day - 1;
                }
                else if (weekday == 0)
                {
                    day = day == length ? day - 2 : day + 1;
                }

                return 1u << day;
            }

            default:
                return _daysOfMonth;
        }
    }

    private uint WeekDays(int length, int firstWeekday)
    {
        switch (_dayOfWeekRule)
        {
            case DayOfWeekRule.Last:
            {
                int lastWeekday = (firstWeekday + length - 1) % 7;
                return 1u << (length - ((lastWeekday - _dayOfWeekValue + 7) % 7));
            }

            case DayOfWeekRule.Nth:
            {
                int day = 1 + ((_dayOfWeekValue - firstWeekday + 7) % 7) + (7 * (_dayOfWeekNth - 1));
                return day <= length ? 1u << day : 0;
            }

            default:
            {
                // Rotate the weekday bits so that bit i is the weekday of day i + 1, then repeat the week across the month.
                uint week = (uint)((_daysOfWeek >> firstWeekday) | (_daysOfWeek << (7 - firstWeekday))) & 0x7F;
                ulong month = (ulong)week << 1;
                month |= (month << 7) | (month << 14) | (month << 21) | (month << 28);
                return (uint)month;
            }
        }
    }

    /// <summary>
    /// Whether some day can ever match; catches impossible dates such as <c>0 0 30 2 *</c> at parse time so that they
    /// cost nothing later. (Rarer impossible combinations, which involve weekdays, are caught by the bounded search.)
    /// </summary>
    private bool HasAnyDay()
    {
        if (_either || !_everyDayOfWeek)
        {
            return true;
        }

        // The longest of the months; February has 29 days in leap years.
        int longest = (_months & MonthsOf31Days) != 0 ? 31 : (_months & MonthsOf30Days) != 0 ? 30 : 29;
        return _dayOfMonthRule switch
        {
            DayOfMonthRule.Days => BitOperations.TrailingZeroCount(_daysOfMonth) <= longest,
            DayOfMonthRule.Last => _dayOfMonthValue < longest,
            DayOfMonthRule.NearestWeekday => _dayOfMonthValue <= longest,
            _ => true,
        };
    }
}
