using System.Runtime.CompilerServices;

namespace Codomyrmex.Scheduler;

/// <summary>Parses cron text into <see cref="CronParts"/> without allocating; errors come back as a <see cref="CronParseError"/>.</summary>
/// <remarks>
/// <para>
/// One pass from left to right, with an index into the text: each field and each list item is parsed where it stands,
/// rather than first splitting the text into fields and items. A field ends at white space, an item at a comma too.
/// Valid text is the fast path. The methods set <c>error</c> only when they fail, and what an error needs beyond that
/// point (the end of the token it names, the number of fields) is worked out then.
/// </para>
/// <para>
/// A wrong number of fields is the error reported first, whatever else is wrong, so a failure counts the fields before
/// it reports anything. The day-field rules (<c>L</c>, <c>W</c>, <c>#</c>) are whole fields that the list syntax rejects,
/// so a day field is looked at as a rule only when it starts with <c>L</c> or fails as a list.
/// </para>
/// <para>
/// The small character tests and name lookups are marked <see cref="MethodImplOptions.AggressiveInlining"/>: everything
/// below <see cref="TryParseField"/> is inlined into it, and without the hint the JIT's inlining budget ran out there and
/// left them as calls on the hot path (<c>*/15 9-17 * JAN-NOV MON-FRI</c> took 62 rather than 52 ns).
/// </para>
/// </remarks>
internal static class CronParser
{
    /// <summary>
    /// By step n: the bits 0, n, 2n, … of a <c>ulong</c>. Shifted to a range's start and clipped to its end, they are the
    /// range's values, so a range is one mask operation rather than a loop over its values.
    /// </summary>
    private static readonly ulong[] StepMasks = CreateStepMasks();

    /// <summary>What each macro stands for, by <see cref="CronMacro"/>.</summary>
    private static readonly CronParts[] MacroParts = CreateMacroParts();

    public static bool TryParse(ReadOnlySpan<char> text, CronFormat format, out CronParts parts, out CronParseError error)
    {
        int i = SkipSpaces(text, 0);
        if (i < text.Length && text[i] == '@')
        {
            return TryParseMacro(text, i, out parts, out error);
        }

        parts = default;
        error = default;
        if (i == text.Length)
        {
            error = new CronParseError(CronErrorKind.Empty, CronField.Minute, 0, 0);
            return false;
        }

        CronField first = format == CronFormat.IncludeSeconds ? CronField.Second : CronField.Minute;
        if (first == CronField.Minute)
        {
            parts.Seconds = 1;
        }

        parts.Flags = CronFlags.FixedTime;
        for (CronField field = first; field <= CronField.DayOfWeek; field++)
        {
            if (i == text.Length || !TryParseField(text, ref i, field, ref parts, ref error))
            {
                CronParseError countError = FieldCountError(text, first);
                if (countError.Kind != CronErrorKind.None)
                {
                    error = countError;
                }

                return false;
            }

            i = SkipSpaces(text, i);
        }

        if (i != text.Length)
        {
            error = FieldCountError(text, first);
            return false;
        }

        return true;
    }

    /// <summary>The same as <see cref="char.IsWhiteSpace(char)"/>, but it tells the usual characters apart without a table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpace(char c) => c == ' ' || (c < ' ' ? c is >= '\t' and <= '\r' : c >= '\u0085' && char.IsWhiteSpace(c));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsStar(char c) => c is '*' or '?';

    /// <summary>The character at <paramref name="i"/>, or <c>'\0'</c> past the end: only for comparing with a character.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static char CharAt(ReadOnlySpan<char> text, int i) => (uint)i < (uint)text.Length ? text[i] : '\0';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsFieldEnd(ReadOnlySpan<char> text, int i) => i == text.Length || IsSpace(text[i]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsItemEnd(ReadOnlySpan<char> text, int i) => i == text.Length || text[i] == ',' || IsSpace(text[i]);

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

    private static int ItemEnd(ReadOnlySpan<char> text, int i)
    {
        while (!IsItemEnd(text, i))
        {
            i++;
        }

        return i;
    }

    /// <summary>
    /// Counts the fields, which the parser does only on the error path: too few or too many is the error to report, and
    /// <see cref="CronErrorKind.None"/> means the count is right. The extra field named is the first one past day-of-week.
    /// </summary>
    private static CronParseError FieldCountError(ReadOnlySpan<char> text, CronField first)
    {
        int expected = CronField.DayOfWeek - first + 1;
        int count = CountFields(text, expected, out int extraStart, out int extraEnd);
        return count < expected
            ? new CronParseError(CronErrorKind.TooFewFields, first + count, 0, 0, count)
            : count > expected
                ? new CronParseError(CronErrorKind.TooManyFields, CronField.DayOfWeek, extraStart, extraEnd - extraStart, count)
                : default;
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
    private static bool TryParseMacro(ReadOnlySpan<char> text, int start, out CronParts parts, out CronParseError error)
    {
        // A name matches only if it is all the rest of the text: no macro name holds white space.
        CronMacro macro = MacroNamed(text[(start + 1)..].TrimEnd());
        if (macro != CronMacro.None)
        {
            parts = MacroParts[(int)macro];
            error = default;
            return true;
        }

        parts = default;

        int end = FieldEnd(text, start);
        if (SkipSpaces(text, end) != text.Length)
        {
            int count = CountFields(text, 1, out int extraStart, out int extraEnd);
            error = new CronParseError(CronErrorKind.TooManyFields, CronField.Minute, extraStart, extraEnd - extraStart, count);
        }
        else
        {
            error = new CronParseError(CronErrorKind.UnknownMacro, CronField.Minute, start, end - start);
        }

        return false;
    }

    /// <summary>The macro a name (after the <c>@</c>) stands for, in any case; by length first, so that one name is compared.</summary>
    private static CronMacro MacroNamed(ReadOnlySpan<char> name) => name.Length switch
    {
        5 when Is(name, "daily") => CronMacro.Daily,
        6 when Is(name, "hourly") => CronMacro.Hourly,
        6 when Is(name, "weekly") => CronMacro.Weekly,
        6 when Is(name, "yearly") => CronMacro.Yearly,
        7 when Is(name, "monthly") => CronMacro.Monthly,
        8 when Is(name, "midnight") => CronMacro.Daily,
        8 when Is(name, "annually") => CronMacro.Yearly,
        _ => CronMacro.None,
    };

    private static bool Is(ReadOnlySpan<char> name, string macro) => name.Equals(macro, StringComparison.OrdinalIgnoreCase);

    /// <summary>What a macro stands for, with second 0 (which a standard expression has too).</summary>
    internal static CronParts GetMacroParts(CronMacro macro) => MacroParts[(int)macro];

    private static CronParts[] CreateMacroParts()
    {
        var all = new CronParts
        {
            Seconds = 1,
            Minutes = 1,
            Hours = 1,
            DaysOfMonth = Bits(1, 31),
            Months = Bits(1, 12),
            DaysOfWeek = Bits(0, 6),
            Flags = CronFlags.FixedTime | CronFlags.DayOfMonthStar | CronFlags.DayOfWeekStar,
        };
        var parts = new CronParts[(int)CronMacro.Hourly + 1];
        parts[(int)CronMacro.Yearly] = all with
        {
            DaysOfMonth = 1 << 1,
            Months = 1 << 1,
            Flags = CronFlags.FixedTime | CronFlags.DayOfWeekStar,
            Macro = CronMacro.Yearly,
        };
        parts[(int)CronMacro.Monthly] = all with
        {
            DaysOfMonth = 1 << 1,
            Flags = CronFlags.FixedTime | CronFlags.DayOfWeekStar,
            Macro = CronMacro.Monthly,
        };
        parts[(int)CronMacro.Weekly] = all with
        {
            DaysOfWeek = 1,
            Flags = CronFlags.FixedTime | CronFlags.DayOfMonthStar,
            Macro = CronMacro.Weekly,
        };
        parts[(int)CronMacro.Daily] = all with { Macro = CronMacro.Daily };
        parts[(int)CronMacro.Hourly] = all with
        {
            Hours = Bits(0, 23),
            Flags = CronFlags.DayOfMonthStar | CronFlags.DayOfWeekStar,
            Macro = CronMacro.Hourly,
        };
        return parts;
    }

    /// <summary>Parses the field that starts at <paramref name="i"/> and leaves <paramref name="i"/> just past it.</summary>
    private static bool TryParseField(ReadOnlySpan<char> text, ref int i, CronField field, ref CronParts parts, ref CronParseError error)
    {
        int start = i;
        if (field == CronField.DayOfMonth && text[i] is 'L' or 'l')
        {
            i = FieldEnd(text, start);
            return TryParseDayOfMonthRule(text, start, i, ref parts, ref error);
        }

        // The most common fields, a lone `*` or number, need no list parsing.
        ulong mask;
        if (text[i] == '*' && IsFieldEnd(text, i + 1))
        {
            mask = Bits(CronFields.Min(field), field == CronField.DayOfWeek ? 6 : CronFields.Max(field));
            i++;
        }
        else if (IsLoneNumber(text, i, field, out int value, out int end))
        {
            mask = 1UL << value;
            i = end;
        }
        else if (!TryParseList(text, ref i, field, out mask, ref error))
        {
            return field is CronField.DayOfMonth or CronField.DayOfWeek && TryParseDayRule(text, ref i, start, field, ref parts, ref error);
        }

        switch (field)
        {
            case CronField.Second:
                parts.Seconds = mask;
                break;
            case CronField.Minute:
                parts.Minutes = mask;
                ClearFixedTimeIfInterval(text[start..i], ref parts);
                break;
            case CronField.Hour:
                parts.Hours = mask;
                ClearFixedTimeIfInterval(text[start..i], ref parts);
                break;
            case CronField.DayOfMonth:
                parts.DaysOfMonth = mask;
                if (IsStar(text[start]))
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
                if (IsStar(text[start]))
                {
                    parts.Flags |= CronFlags.DayOfWeekStar;
                }

                break;
        }

        return true;
    }

    /// <summary>A field that is one number of one or two digits, in the field's range. Anything else is left to the list parser.</summary>
    private static bool IsLoneNumber(ReadOnlySpan<char> text, int i, CronField field, out int value, out int end)
    {
        value = text[i] - '0';
        end = i + 1;
        if ((uint)value > 9)
        {
            return false;
        }

        if (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            value = (value * 10) + (text[end] - '0');
            end++;
        }

        return IsFieldEnd(text, end) && value >= CronFields.Min(field) && value <= CronFields.Max(field);
    }

    /// <summary>
    /// A day field that failed as a list: the list syntax rejects every rule, so it may still be one. If it is not, the
    /// list's error stands.
    /// </summary>
    private static bool TryParseDayRule(
        ReadOnlySpan<char> text, ref int i, int start, CronField field, ref CronParts parts, ref CronParseError error)
    {
        int end = FieldEnd(text, start);
        ReadOnlySpan<char> fieldText = text[start..end];
        if (field == CronField.DayOfMonth && fieldText.ContainsAny("LlWw"))
        {
            i = end;
            return TryParseDayOfMonthRule(text, start, end, ref parts, ref error);
        }

        if (field == CronField.DayOfWeek && (fieldText.Contains('#') || fieldText[^1] is 'L' or 'l'))
        {
            i = end;
            return TryParseDayOfWeekRule(text, start, end, ref parts, ref error);
        }

        return false;
    }

    /// <summary>A minute or hour field with <c>*</c>, <c>-</c> or <c>/</c> is an interval, not a fixed time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearFixedTimeIfInterval(ReadOnlySpan<char> field, ref CronParts parts)
    {
        foreach (char c in field)
        {
            if (c is '*' or '-' or '/')
            {
                parts.Flags &= ~CronFlags.FixedTime;
                return;
            }
        }
    }

    /// <summary>Items separated by commas, up to white space or the end of the text.</summary>
    private static bool TryParseList(ReadOnlySpan<char> text, ref int i, CronField field, out ulong mask, ref CronParseError error)
    {
        int start = i;
        mask = 0;
        while (true)
        {
            int itemStart = i;
            if (!TryParseItem(text, ref i, field, ref mask, ref error))
            {
                if (IsItemEnd(text, itemStart))
                {
                    // An empty item (",1", "1,,2", "1,"): the error names the whole field.
                    error = new CronParseError(CronErrorKind.EmptyValue, field, start, FieldEnd(text, start) - start);
                }

                return false;
            }

            // The item ended at a comma, white space or the end of the text.
            if (CharAt(text, i) != ',')
            {
                return true;
            }

            i++;
        }
    }

    /// <summary>One list item: <c>*</c>, <c>?</c>, <c>a</c>, <c>a-b</c>, each optionally with <c>/step</c>.</summary>
    private static bool TryParseItem(ReadOnlySpan<char> text, ref int i, CronField field, ref ulong mask, ref CronParseError error)
    {
        int start = i;
        int from;
        int to;
        bool single = false;
        char c = CharAt(text, i);
        if (c is '*' or '?')
        {
            if (c == '?' && field is not (CronField.DayOfMonth or CronField.DayOfWeek))
            {
                error = ItemError(CronErrorKind.QuestionMarkNotAllowed, text, field, start);
                return false;
            }

            from = CronFields.Min(field);
            to = field == CronField.DayOfWeek ? 6 : CronFields.Max(field);
            i++;
        }
        else
        {
            if (!TryParseValue(text, ref i, text.Length, field, start, out from, ref error))
            {
                return false;
            }

            to = from;
            if (CharAt(text, i) == '-')
            {
                i++;
                if (!TryParseValue(text, ref i, text.Length, field, start, out to, ref error))
                {
                    return false;
                }
            }
            else
            {
                single = true;
            }
        }

        int step = 1;
        if (CharAt(text, i) == '/')
        {
            i++;
            if (!TryParseStep(text, ref i, field, start, out step, ref error))
            {
                return false;
            }

            if (single)
            {
                to = CronFields.Max(field); // a/n is a-max/n
            }
        }

        if (!IsItemEnd(text, i))
        {
            error = ItemError(CronErrorKind.UnexpectedCharacter, text, field, start);
            return false;
        }

        mask |= Values(field, from, to, step);
        return true;
    }

    /// <summary>The step after a <c>/</c>: 1 up to the number of values in the field.</summary>
    private static bool TryParseStep(
        ReadOnlySpan<char> text, ref int i, CronField field, int itemStart, out int step, ref CronParseError error)
    {
        int start = i;
        bool fits = TryParseNumber(text, ref i, text.Length, out step);
        CronErrorKind kind =
            i == start ? (IsItemEnd(text, i) ? CronErrorKind.EmptyValue : CronErrorKind.UnexpectedCharacter)
            : !fits || step > CronParseError.StepLimit(field) ? CronErrorKind.StepTooLarge
            : step == 0 ? CronErrorKind.StepZero
            : CronErrorKind.None;
        if (kind != CronErrorKind.None)
        {
            error = ItemError(kind, text, field, itemStart);
            return false;
        }

        return true;
    }

    /// <summary>The values from <paramref name="from"/> to <paramref name="to"/> by <paramref name="step"/>, as bits.</summary>
    private static ulong Values(CronField field, int from, int to, int step)
    {
        if (field == CronField.DayOfWeek && from == 7 && to < 7)
        {
            from = 0; // 7-2 is Sunday to Tuesday.
        }

        if (from <= to)
        {
            return (StepMasks[step] << from) & Bits(from, to);
        }

        // A reversed range wraps around the end of the field: 22-2 is 22, 23, 0, 1, 2.
        int min = CronFields.Min(field);
        int cycleMax = field == CronField.DayOfWeek ? 6 : CronFields.Max(field);
        int period = cycleMax - min + 1;
        int length = cycleMax - from + 1 + (to - min + 1);
        ulong mask = 0;
        for (int p = 0; p < length; p += step)
        {
            int v = from + p;
            mask |= 1UL << (v > cycleMax ? v - period : v);
        }

        return mask;
    }

    /// <summary>An error that names the whole item that starts at <paramref name="start"/>.</summary>
    private static CronParseError ItemError(CronErrorKind kind, ReadOnlySpan<char> text, CronField field, int start) =>
        new(kind, field, start, ItemEnd(text, start) - start);

    /// <summary>A number or, in the month and day-of-week fields, a three-letter name; checked against the field's range.</summary>
    /// <param name="text">The text.</param>
    /// <param name="i">Where the value starts; on return, where it ends.</param>
    /// <param name="end">How far the value may reach: the end of the text in a list, the <c>L</c> or <c>#</c> in a rule.</param>
    /// <param name="field">The field, for its range and names.</param>
    /// <param name="itemStart">Where the item starts, for an error that names the item.</param>
    /// <param name="value">The value.</param>
    /// <param name="error">Set when the value is not valid.</param>
    private static bool TryParseValue(
        ReadOnlySpan<char> text, ref int i, int end, CronField field, int itemStart, out int value, ref CronParseError error)
    {
        int start = i;
        if (i < end && char.IsAsciiDigit(text[i]))
        {
            if (TryParseNumber(text, ref i, end, out value) && value >= CronFields.Min(field) && value <= CronFields.Max(field))
            {
                return true;
            }

            error = new CronParseError(CronErrorKind.OutOfRange, field, start, i - start);
            return false;
        }

        while (i < end && char.IsAsciiLetter(text[i]))
        {
            i++;
        }

        if (i == start)
        {
            // The token is the item, or the part of it up to the end given (the n of nL and n#k).
            int tokenEnd = Math.Min(end, ItemEnd(text, itemStart));
            value = 0;
            CronErrorKind kind = i < tokenEnd ? CronErrorKind.UnexpectedCharacter : CronErrorKind.EmptyValue;
            error = new CronParseError(kind, field, itemStart, tokenEnd - itemStart);
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

        return true;
    }

    /// <summary>
    /// A three-letter name as one number to switch on: the letters lower-cased (setting bit 5 lower-cases an ASCII letter,
    /// and the name scan lets only ASCII letters through), one per byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NameKey(ReadOnlySpan<char> name) => ((name[0] | 0x20) << 16) | ((name[1] | 0x20) << 8) | (name[2] | 0x20);

    /// <summary>1-12 for the key of a month name, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
        int j = i;
        while (j < end && char.IsAsciiDigit(text[j]))
        {
            if (j - start < 4)
            {
                value = (value * 10) + (text[j] - '0');
            }

            j++;
        }

        i = j;
        return j - start <= 4;
    }

    /// <summary><c>L</c>, <c>L-n</c>, <c>LW</c> and <c>nW</c>, which must be the whole day-of-month field.</summary>
    private static bool TryParseDayOfMonthRule(ReadOnlySpan<char> text, int start, int end, ref CronParts parts, ref CronParseError error)
    {
        ReadOnlySpan<char> field = text[start..end];
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
    private static bool TryParseDayOfWeekRule(ReadOnlySpan<char> text, int start, int end, ref CronParts parts, ref CronParseError error)
    {
        ReadOnlySpan<char> field = text[start..end];
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

        if (!TryParseValue(text, ref i, valueEnd, CronField.DayOfWeek, start, out int day, ref error))
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Bits(int from, int to) => (ulong.MaxValue >> (63 - to)) & (ulong.MaxValue << from);
}
