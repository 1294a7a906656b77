using System.Diagnostics;

namespace Codomyrmex.Scheduler;

/// <summary>Parses cron text into <see cref="CronParts"/> without allocating; errors come back as a <see cref="CronParseError"/>.</summary>
/// <remarks>
/// One pass from left to right: each field is parsed where it stands, without first splitting the text into fields. Only
/// when something is wrong does the parser count the fields, because a wrong number of fields is the error it reports
/// first, whatever else is wrong.
/// </remarks>
internal static class CronParser
{
    /// <summary>
    /// By step n: the bits 0, n, 2n, … of a <c>ulong</c>. Shifted to a range's start and clipped to its end, they are the
    /// range's values, so a range is one mask operation rather than a loop over its values.
    /// </summary>
    private static readonly ulong[] StepMasks = CreateStepMasks();

    public static bool TryParse(ReadOnlySpan<char> text, CronFormat format, out CronParts parts, out CronParseError error)
    {
        parts = default;
        int i = SkipSpaces(text, 0);
        if (i == text.Length)
        {
            error = new CronParseError(CronErrorKind.Empty, CronField.Minute, 0, 0);
            return false;
        }

        if (text[i] == '@')
        {
            return TryParseMacro(text, i, ref parts, out error);
        }

        CronField first = format == CronFormat.IncludeSeconds ? CronField.Second : CronField.Minute;
        if (first == CronField.Minute)
        {
            parts.Seconds = 1;
        }

        parts.Flags = CronFlags.FixedTime;
        CronField field = first;
        while (true)
        {
            int end = FieldEnd(text, i);
            if (!TryParseField(text, i, end, field, ref parts, out error))
            {
                if (IsFieldCountWrong(text, first, out CronParseError countError))
                {
                    error = countError;
                }

                return false;
            }

            i = SkipSpaces(text, end);
            if (i == text.Length || field == CronField.DayOfWeek)
            {
                break;
            }

            field++;
        }

        if (field != CronField.DayOfWeek || i != text.Length)
        {
            bool wrong = IsFieldCountWrong(text, first, out error);
            Debug.Assert(wrong, "Too few or too many fields.");
            return false;
        }

        error = default;
        return true;
    }

    private static bool IsSpace(char c) => char.IsWhiteSpace(c);

    private static bool IsStar(char c) => c is '*' or '?';

    private static int SkipSpaces(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && IsSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static int FieldEnd(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && !IsSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>
    /// Counts the fields, on the error path only; too few or too many is the error to report. The extra field named in the
    /// message is the first one past the day-of-week field.
    /// </summary>
    private static bool IsFieldCountWrong(ReadOnlySpan<char> text, CronField first, out CronParseError error)
    {
        int expected = CronField.DayOfWeek - first + 1;
        int count = CountFields(text, expected, out int extraStart, out int extraEnd);
        error = count < expected ? new CronParseError(CronErrorKind.TooFewFields, first + count, 0, 0, count)
            : count > expected ? new CronParseError(CronErrorKind.TooManyFields, CronField.DayOfWeek, extraStart, extraEnd - extraStart, count)
            : default;
        return count != expected;
    }

    /// <summary>The number of fields, and where the one at <paramref name="index"/> (from 0) starts and ends, if there is one.</summary>
    private static int CountFields(ReadOnlySpan<char> text, int index, out int start, out int end)
    {
        start = end = 0;
        int count = 0;
        for (int i = SkipSpaces(text, 0); i < text.Length; i = SkipSpaces(text, i))
        {
            int fieldEnd = FieldEnd(text, i);
            if (count == index)
            {
                (start, end) = (i, fieldEnd);
            }

            count++;
            i = fieldEnd;
        }

        return count;
    }

    /// <summary>The <c>@</c> macros; with <see cref="CronFormat.IncludeSeconds"/> they fire at second 0.</summary>
    private static bool TryParseMacro(ReadOnlySpan<char> text, int start, ref CronParts parts, out CronParseError error)
    {
        int end = FieldEnd(text, start);
        if (SkipSpaces(text, end) != text.Length)
        {
            int count = CountFields(text, 1, out int extraStart, out int extraEnd);
            error = new CronParseError(CronErrorKind.TooManyFields, CronField.Minute, extraStart, extraEnd - extraStart, count);
            return false;
        }

        ReadOnlySpan<char> name = text[(start + 1)..end];
        CronMacro macro =
            IsMacro(name, "daily") || IsMacro(name, "midnight") ? CronMacro.Daily :
            IsMacro(name, "hourly") ? CronMacro.Hourly :
            IsMacro(name, "weekly") ? CronMacro.Weekly :
            IsMacro(name, "monthly") ? CronMacro.Monthly :
            IsMacro(name, "yearly") || IsMacro(name, "annually") ? CronMacro.Yearly :
            CronMacro.None;
        if (macro == CronMacro.None)
        {
            error = new CronParseError(CronErrorKind.UnknownMacro, CronField.Minute, start, end - start);
            return false;
        }

        parts = GetMacroParts(macro);
        error = default;
        return true;
    }

    private static bool IsMacro(ReadOnlySpan<char> name, string macro) => name.Equals(macro, StringComparison.OrdinalIgnoreCase);

    /// <summary>What a macro stands for, with second 0 (which a standard expression has too).</summary>
    internal static CronParts GetMacroParts(CronMacro macro)
    {
        Debug.Assert(macro != CronMacro.None, "Only a macro has macro parts.");
        var parts = new CronParts
        {
            Seconds = 1,
            Minutes = 1,
            Hours = 1,
            DaysOfMonth = Bits(1, 31),
            Months = Bits(1, 12),
            DaysOfWeek = Bits(0, 6),
            Flags = CronFlags.FixedTime | CronFlags.DayOfMonthStar | CronFlags.DayOfWeekStar,
            Macro = macro,
        };
        switch (macro)
        {
            case CronMacro.Yearly:
                parts.DaysOfMonth = 1 << 1;
                parts.Months = 1 << 1;
                parts.Flags &= ~CronFlags.DayOfMonthStar;
                break;
            case CronMacro.Monthly:
                parts.DaysOfMonth = 1 << 1;
                parts.Flags &= ~CronFlags.DayOfMonthStar;
                break;
            case CronMacro.Weekly:
                parts.DaysOfWeek = 1;
                parts.Flags &= ~CronFlags.DayOfWeekStar;
                break;
            case CronMacro.Hourly:
                parts.Hours = Bits(0, 23);
                parts.Flags &= ~CronFlags.FixedTime;
                break;
        }

        return parts;
    }

    private static bool TryParseField(ReadOnlySpan<char> text, int start, int end, CronField field, ref CronParts parts, out CronParseError error)
    {
        ReadOnlySpan<char> fieldText = text[start..end];
        if (field == CronField.DayOfMonth && fieldText.ContainsAny("LlWw"))
        {
            return TryParseDayOfMonthRule(text, start, end, ref parts, out error);
        }

        if (field == CronField.DayOfWeek && (fieldText.Contains('#') || fieldText[^1] is 'L' or 'l'))
        {
            return TryParseDayOfWeekRule(text, start, end, ref parts, out error);
        }

        ulong mask = 0;
        int itemStart = start;
        while (itemStart <= end)
        {
            int itemEnd = itemStart;
            while (itemEnd < end && text[itemEnd] != ',')
            {
                itemEnd++;
            }

            if (itemEnd == itemStart)
            {
                error = new CronParseError(CronErrorKind.EmptyValue, field, start, end - start);
                return false;
            }

            if (!TryParseItem(text, itemStart, itemEnd, field, ref mask, out error))
            {
                return false;
            }

            itemStart = itemEnd + 1;
        }

        switch (field)
        {
            case CronField.Second:
                parts.Seconds = mask;
                break;
            case CronField.Minute:
            case CronField.Hour:
                if (fieldText.ContainsAny('*', '-', '/'))
                {
                    parts.Flags &= ~CronFlags.FixedTime;
                }

                if (field == CronField.Minute)
                {
                    parts.Minutes = mask;
                }
                else
                {
                    parts.Hours = mask;
                }

                break;
            case CronField.DayOfMonth:
                parts.DaysOfMonth = mask;
                if (IsStar(fieldText[0]))
                {
                    parts.Flags |= CronFlags.DayOfMonthStar;
                }

                break;
            case CronField.Month:
                parts.Months = mask;
                break;
            default:
                // 7 is Sunday, like 0.
                parts.DaysOfWeek = (mask | (mask >> 7)) & 0x7F;
                if (IsStar(fieldText[0]))
                {
                    parts.Flags |= CronFlags.DayOfWeekStar;
                }

                break;
        }

        error = default;
        return true;
    }

    /// <summary>One list item: <c>*</c>, <c>?</c>, <c>a</c>, <c>a-b</c>, each optionally with <c>/step</c>.</summary>
    private static bool TryParseItem(ReadOnlySpan<char> text, int start, int end, CronField field, ref ulong mask, out CronParseError error)
    {
        int min = CronFields.Min(field);
        int max = CronFields.Max(field);
        int i = start;
        int from;
        int to;
        bool star = false;
        bool range = false;
        if (text[i] is '*' or '?')
        {
            if (text[i] == '?' && field is not (CronField.DayOfMonth or CronField.DayOfWeek))
            {
                error = new CronParseError(CronErrorKind.QuestionMarkNotAllowed, field, start, end - start);
                return false;
            }

            star = true;
            from = min;
            to = field == CronField.DayOfWeek ? 6 : max;
            i++;
        }
        else
        {
            if (!TryParseValue(text, ref i, end, field, start, out from, out error))
            {
                return false;
            }

            to = from;
            if (i < end && text[i] == '-')
            {
                i++;
                if (!TryParseValue(text, ref i, end, field, start, out to, out error))
                {
                    return false;
                }

                range = true;
            }
        }

        int step = 1;
        if (i < end && text[i] == '/')
        {
            i++;
            int stepStart = i;
            bool fits = TryParseNumber(text, ref i, end, out step);
            if (i == stepStart || !fits)
            {
                CronErrorKind kind = i != stepStart ? CronErrorKind.StepTooLarge : i < end ? CronErrorKind.UnexpectedCharacter : CronErrorKind.EmptyValue;
                error = new CronParseError(kind, field, start, end - start);
                return false;
            }

            if (step == 0)
            {
                error = new CronParseError(CronErrorKind.StepZero, field, start, end - start);
                return false;
            }

            if (step > CronParseError.StepLimit(field))
            {
                error = new CronParseError(CronErrorKind.StepTooLarge, field, start, end - start);
                return false;
            }

            if (!star && !range)
            {
                to = max;
            }
        }

        if (i != end)
        {
            error = new CronParseError(CronErrorKind.UnexpectedCharacter, field, start, end - start);
            return false;
        }

        if (field == CronField.DayOfWeek && from == 7 && to < 7)
        {
            from = 0; // 7-2 is Sunday to Tuesday.
        }

        if (from <= to)
        {
            mask |= (StepMasks[step] << from) & Bits(from, to);
        }
        else
        {
            // A reversed range wraps around the end of the field: 22-2 is 22, 23, 0, 1, 2.
            int cycleMax = field == CronField.DayOfWeek ? 6 : max;
            int period = cycleMax - min + 1;
            int length = cycleMax - from + 1 + (to - min + 1);
            for (int p = 0; p < length; p += step)
            {
                int v = from + p;
                mask |= 1UL << (v > cycleMax ? v - period : v);
            }
        }

        error = default;
        return true;
    }

    /// <summary>A number or, in the month and day-of-week fields, a three-letter name; checked against the field's range.</summary>
    private static bool TryParseValue(ReadOnlySpan<char> text, ref int i, int end, CronField field, int itemStart, out int value, out CronParseError error)
    {
        int start = i;
        if (i < end && char.IsAsciiDigit(text[i]))
        {
            bool fits = TryParseNumber(text, ref i, end, out value);
            if (!fits || value < CronFields.Min(field) || value > CronFields.Max(field))
            {
                error = new CronParseError(CronErrorKind.OutOfRange, field, start, i - start);
                return false;
            }

            error = default;
            return true;
        }

        while (i < end && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        if (i == start)
        {
            value = 0;
            error = new CronParseError(i < end ? CronErrorKind.UnexpectedCharacter : CronErrorKind.EmptyValue, field, itemStart, end - itemStart);
            return false;
        }

        value = i - start != 3 ? -1 : field switch
        {
            CronField.Month => MonthNumber(NameKey(text[start..i])),
            CronField.DayOfWeek => DayNumber(NameKey(text[start..i])),
            _ => -1,
        };
        if (value < 0)
        {
            value = 0;
            error = new CronParseError(CronErrorKind.UnknownName, field, start, i - start);
            return false;
        }

        error = default;
        return true;
    }

    /// <summary>
    /// A three-letter name as one number to switch on: the letters lower-cased (setting bit 5 lower-cases an ASCII letter,
    /// and the name scan lets only ASCII letters through), one per byte.
    /// </summary>
    private static int NameKey(ReadOnlySpan<char> name) => ((name[0] | 0x20) << 16) | ((name[1] | 0x20) << 8) | (name[2] | 0x20);

    /// <summary>1-12 for the key of a month name, or -1.</summary>
    private static int MonthNumber(int key) => key switch
    {
        ('j' << 16) | ('a' << 8) | 'n' => 1,
        ('f' << 16) | ('e' << 8) | 'b' => 2,
        ('m' << 16) | ('a' << 8) | 'r' => 3,
        ('a' << 16) | ('p' << 8) | 'r' => 4,
        ('m' << 16) | ('a' << 8) | 'y' => 5,
        ('j' << 16) | ('u' << 8) | 'n' => 6,
        ('j' << 16) | ('u' << 8) | 'l' => 7,
        ('a' << 16) | ('u' << 8) | 'g' => 8,
        ('s' << 16) | ('e' << 8) | 'p' => 9,
        ('o' << 16) | ('c' << 8) | 't' => 10,
        ('n' << 16) | ('o' << 8) | 'v' => 11,
        ('d' << 16) | ('e' << 8) | 'c' => 12,
        _ => -1,
    };

    /// <summary>0-6 (Sunday to Saturday) for the key of a day name, or -1.</summary>
    private static int DayNumber(int key) => key switch
    {
        ('s' << 16) | ('u' << 8) | 'n' => 0,
        ('m' << 16) | ('o' << 8) | 'n' => 1,
        ('t' << 16) | ('u' << 8) | 'e' => 2,
        ('w' << 16) | ('e' << 8) | 'd' => 3,
        ('t' << 16) | ('h' << 8) | 'u' => 4,
        ('f' << 16) | ('r' << 8) | 'i' => 5,
        ('s' << 16) | ('a' << 8) | 't' => 6,
        _ => -1,
    };

    /// <summary>ASCII digits only (never other Unicode digits); false when the number has more than 4 digits.</summary>
    private static bool TryParseNumber(ReadOnlySpan<char> text, ref int i, int end, out int value)
    {
        value = 0;
        int start = i;
        while (i < end && char.IsAsciiDigit(text[i]))
        {
            if (i - start < 4)
            {
                value = (value * 10) + (text[i] - '0');
            }

            i++;
        }

        return i - start <= 4;
    }

    /// <summary><c>L</c>, <c>L-n</c>, <c>LW</c> and <c>nW</c>, which must be the whole day-of-month field.</summary>
    private static bool TryParseDayOfMonthRule(ReadOnlySpan<char> text, int start, int end, ref CronParts parts, out CronParseError error)
    {
        ReadOnlySpan<char> field = text[start..end];
        error = default;
        bool startsWithL = field[0] is 'L' or 'l';
        bool endsWithW = field[^1] is 'W' or 'w';
        if (field.Contains(','))
        {
            int at = field.IndexOfAny("LlWw");
            int tokenStart = field[..at].LastIndexOf(',') + 1;
            int tokenEnd = field[at..].IndexOf(',');
            tokenEnd = tokenEnd < 0 ? field.Length : at + tokenEnd;
            error = new CronParseError(CronErrorKind.MustStandAlone, CronField.DayOfMonth, start + tokenStart, tokenEnd - tokenStart);
            return false;
        }

        if (startsWithL && field.Length == 1)
        {
            parts.DayOfMonthRule = DayOfMonthRule.Last;
            return true;
        }

        if (startsWithL && field.Length == 2 && endsWithW)
        {
            parts.DayOfMonthRule = DayOfMonthRule.LastWeekday;
            return true;
        }

        if (startsWithL && field.Length > 2 && field[1] == '-')
        {
            int i = start + 2;
            if (TryParseNumber(text, ref i, end, out int offset) && i == end && i > start + 2)
            {
                if (offset > 30)
                {
                    error = new CronParseError(CronErrorKind.LastOffsetOutOfRange, CronField.DayOfMonth, start, end - start);
                    return false;
                }

                parts.DayOfMonthRule = DayOfMonthRule.Last;
                parts.DayOfMonthValue = offset;
                return true;
            }
        }
        else if (endsWithW && !startsWithL)
        {
            int i = start;
            if (TryParseNumber(text, ref i, end - 1, out int day) && i == end - 1 && i > start)
            {
                if (day is < 1 or > 31)
                {
                    error = new CronParseError(CronErrorKind.OutOfRange, CronField.DayOfMonth, start, end - start);
                    return false;
                }

                parts.DayOfMonthRule = DayOfMonthRule.NearestWeekday;
                parts.DayOfMonthValue = day;
                return true;
            }
        }

        error = new CronParseError(CronErrorKind.UnexpectedCharacter, CronField.DayOfMonth, start, end - start);
        return false;
    }

    /// <summary><c>nL</c> and <c>n#k</c>, which must be the whole day-of-week field.</summary>
    private static bool TryParseDayOfWeekRule(ReadOnlySpan<char> text, int start, int end, ref CronParts parts, out CronParseError error)
    {
        ReadOnlySpan<char> field = text[start..end];
        error = default;
        int hash = field.IndexOf('#');
        if (field.ContainsAny(",-/"))
        {
            error = new CronParseError(CronErrorKind.MustStandAlone, CronField.DayOfWeek, start, end - start);
            return false;
        }

        int valueEnd = hash >= 0 ? start + hash : end - 1;
        int i = start;
        if (valueEnd <= start)
        {
            error = new CronParseError(CronErrorKind.UnexpectedCharacter, CronField.DayOfWeek, start, end - start);
            return false;
        }

        if (!TryParseValue(text, ref i, valueEnd, CronField.DayOfWeek, start, out int day, out error))
        {
            return false;
        }

        if (i != valueEnd)
        {
            error = new CronParseError(CronErrorKind.UnexpectedCharacter, CronField.DayOfWeek, start, end - start);
            return false;
        }

        parts.DaysOfWeek = 0;
        parts.DayOfWeekValue = day % 7;
        if (hash < 0)
        {
            parts.DayOfWeekRule = DayOfWeekRule.Last;
            return true;
        }

        i = valueEnd + 1;
        if (!TryParseNumber(text, ref i, end, out int nth) || i != end || i == valueEnd + 1)
        {
            error = new CronParseError(i == end ? CronErrorKind.NthOutOfRange : CronErrorKind.UnexpectedCharacter, CronField.DayOfWeek, start, end - start);
            return false;
        }

        if (nth is < 1 or > 5)
        {
            error = new CronParseError(CronErrorKind.NthOutOfRange, CronField.DayOfWeek, start, end - start);
            return false;
        }

        parts.DayOfWeekRule = DayOfWeekRule.Nth;
        parts.DayOfWeekNth = nth;
        return true;
    }

    private static ulong[] CreateStepMasks()
    {
        // Index 0 is unused: a step is at least 1, and at most the 60 values of the second and minute fields.
        var masks = new ulong[61];
        for (int step = 1; step < masks.Length; step++)
        {
            for (int v = 0; v < 64; v += step)
            {
                masks[step] |= 1UL << v;
            }
        }

        return masks;
    }

    internal static ulong Bits(int from, int to) => (ulong.MaxValue >> (63 - to)) & (ulong.MaxValue << from);
}
