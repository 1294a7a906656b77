using System.Globalization;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// CsCheck generators of valid cron expressions (each with its meaning, see <see cref="CronSpec"/>), time zones and instants.
/// </summary>
/// <remarks>
/// The meaning of every generated field is computed here from the cron dialect in README.md alone: values, ranges (reversed ones wrap
/// around), steps, lists, names, day-of-week 7 = Sunday, <c>?</c>, <c>L</c>, <c>L-n</c>, <c>LW</c>, <c>nW</c>, <c>nL</c>,
/// <c>n#k</c> and the macros. The <c>cronos</c> switch restricts the dialect to what Cronos 0.13 parses to the same sets.
/// </remarks>
internal static class CronGen
{
    public static readonly string[] ZoneIds =
    [
        "UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo",
        "Asia/Kolkata", "Asia/Tokyo",
    ];

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    // Cronos accepts steps up to the field's largest value (59, 23, 31, 12, 7); we accept up to the number of values.
    private static readonly FieldInfo SecondField = new("second", 0, 59, null, 59);
    private static readonly FieldInfo MinuteField = new("minute", 0, 59, null, 59);
    private static readonly FieldInfo HourField = new("hour", 0, 23, null, 23);
    private static readonly FieldInfo DayOfMonthField = new("day-of-month", 1, 31, null, 31);
    private static readonly FieldInfo MonthField = new("month", 1, 12, MonthNames, 12);
    private static readonly FieldInfo DayOfWeekField = new("day-of-week", 0, 7, DayNames, 7);

    private static readonly long Start1990 = new DateTime(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly long End2060 = new DateTime(2061, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks - 1;

    public static Gen<string> ZoneId => Gen.OneOfConst(ZoneIds);

    /// <summary>A zone, four times in five one that changes its offset in 1990-2060.</summary>
    public static Gen<string> ChangingZoneId => Gen.Frequency(
        (1, Gen.OneOfConst("UTC", "Asia/Kolkata", "Asia/Tokyo")),
        (4, Gen.OneOfConst("America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo")));

    /// <summary>
    /// A valid expression. <paramref name="dense"/> favours expressions that fire every few minutes or hours, and hour fields
    /// that contain some of <paramref name="hours"/> (the local hours just after the instant a test starts from).
    /// </summary>
    public static Gen<CronSpec> Expression(bool cronos, bool dense, int[]? hours = null) =>
        Gen.Frequency((dense ? 0 : 1, Macro()), (20, Fields(cronos, dense, hours)));

    /// <summary>An instant in 1990-2060, more often than not within a few hours of one of the zone's offset changes.</summary>
    public static Gen<DateTimeOffset> Instant(string zoneId)
    {
        TimeZoneInfo zone = CronReference.Zone(zoneId);
        IReadOnlyList<long> transitions = CronReference.Transitions(zone);
        Gen<long> anywhere = Gen.Long[Start1990, End2060];
        Gen<long> instant = transitions.Count == 0
            ? anywhere
            : Gen.Frequency(
                (2, anywhere),
                (5, from index in Gen.Int[0, transitions.Count - 1]
                    let change = transitions[index]
                    let shift = Math.Abs(CronReference.Offset(zone, change) - CronReference.Offset(zone, change - 1))
                    from delta in Gen.Frequency(
                        (4, Gen.Int[-180, 180].Select(minutes => minutes * TimeSpan.TicksPerMinute)),
                        (2, Gen.Long[-3 * TimeSpan.TicksPerHour, 3 * TimeSpan.TicksPerHour]),
                        // Just before the change, and around the end of a repeated (or skipped) stretch of local time.
                        (4, from minutes in Gen.Int[-20, 3]
                            from multiple in Gen.OneOfConst(0, 0, 1, -1)
                            select (minutes * TimeSpan.TicksPerMinute) + (multiple * shift)),
                        (2, Gen.OneOfConst(0L, -1L, 1L, -TimeSpan.TicksPerSecond, TimeSpan.TicksPerSecond, -TimeSpan.TicksPerHour,
                            -TimeSpan.TicksPerHour / 2, TimeSpan.TicksPerHour / 2, TimeSpan.TicksPerHour, -TimeSpan.TicksPerDay)))
                    select change + delta));
        return from ticks in instant
               from rounding in Gen.OneOfConst(1L, 1L, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute)
               select CronReference.At(zone, ticks - (ticks % rounding));
    }

    /// <summary>An expression, a zone and an instant near that zone's offset changes.</summary>
    public static Gen<(CronSpec Spec, string ZoneId, DateTimeOffset After)> Case(bool cronos, bool dense) =>
        from zoneId in dense ? ChangingZoneId : ZoneId
        from after in Instant(zoneId)
        from spec in Expression(cronos, dense, dense ? HoursAfter(zoneId, after) : null)
        select (spec, zoneId, after);

    /// <summary>The hours of the three hours of wall-clock time from an instant on, skipped ones (in a gap) included.</summary>
    private static int[] HoursAfter(string zoneId, DateTimeOffset after)
    {
        DateTime local = CronReference.At(CronReference.Zone(zoneId), after.UtcTicks).DateTime;
        return [.. Enumerable.Range(0, 7).Select(k => local.AddMinutes(30 * k).Hour).Distinct()];
    }

    private static Gen<CronSpec> Fields(bool cronos, bool dense, int[]? hours) =>
        from format in Gen.FrequencyConst((3, CronFormat.Standard), (2, CronFormat.IncludeSeconds))
        from second in format == CronFormat.IncludeSeconds
            ? Field(SecondField, cronos, starWeight: dense ? 4 : 1, listWeight: 2).Select(f => (FieldSpec?)f)
            : Gen.Const((FieldSpec?)null)
        from minute in Field(MinuteField, cronos, starWeight: dense ? 6 : 1, listWeight: dense ? 4 : 2)
        from hour in hours is null ? Field(HourField, cronos, starWeight: 1, listWeight: 2) : Gen.Frequency(
            (2, Field(HourField, cronos, starWeight: 1, listWeight: 2)),
            (6, from hour in Gen.OneOfConst(hours)
                from form in Gen.Int[0, 3]
                from other in Gen.Int[0, 23]
                select form switch
                {
                    0 => new FieldSpec(Of(hour), ToSet(HourField, [hour])),
                    1 => new FieldSpec(Of(hour) + "," + Of(other), ToSet(HourField, [hour, other])),
                    2 => new FieldSpec(Of(hour) + "-" + Of(other), ToSet(HourField, Expand(HourField, hour, other, 1))),
                    _ => new FieldSpec(Of(other) + "-" + Of(hour), ToSet(HourField, Expand(HourField, other, hour, 1))),
                }))
        from dayOfMonth in DayOfMonth(cronos, dense)
        from month in Field(MonthField, cronos, starWeight: dense ? 150 : 3, listWeight: 1)
        from dayOfWeek in DayOfWeek(cronos, dense)
        from separators in Gen.OneOfConst(" ", " ", " ", "  ", "\t", " \t ").Array[6]
        from lead in Gen.OneOfConst("", "", "", " ", "\t ")
        from trail in Gen.OneOfConst("", "", "", " ", " \t")
        select new CronSpec(
            lead + Join(separators, second?.Text, minute.Text, hour.Text, dayOfMonth.Text, month.Text, dayOfWeek.Text) + trail,
            format, second, minute, hour, dayOfMonth, month, dayOfWeek);

    private static string Join(string[] separators, params string?[] fields)
    {
        string[] present = [.. fields.OfType<string>()];
        var text = present[0];
        for (int i = 1; i < present.Length; i++)
        {
            text += separators[i] + present[i];
        }

        return text;
    }

    private static Gen<CronSpec> Macro() =>
        from macro in Gen.OneOfConst(
            ("yearly", 0, 0, 1, 1, -1), ("annually", 0, 0, 1, 1, -1), ("monthly", 0, 0, 1, -1, -1), ("weekly", 0, 0, -1, -1, 0),
            ("daily", 0, 0, -1, -1, -1), ("midnight", 0, 0, -1, -1, -1), ("hourly", 0, -1, -1, -1, -1))
        from name in Casing(macro.Item1)
        from format in Gen.OneOfConst(CronFormat.Standard, CronFormat.IncludeSeconds)
        select new CronSpec(
            "@" + name,
            format,
            format == CronFormat.IncludeSeconds ? Only(SecondField, 0) : null,
            Only(MinuteField, macro.Item2),
            macro.Item3 < 0 ? All(HourField) : Only(HourField, macro.Item3),
            macro.Item4 < 0
                ? new DayOfMonthSpec("*", DayOfMonthSpec.Rule.Set, All(DayOfMonthField).Values, 0)
                : new DayOfMonthSpec("1", DayOfMonthSpec.Rule.Set, Only(DayOfMonthField, 1).Values, 0),
            macro.Item5 < 0 ? All(MonthField) : Only(MonthField, macro.Item5),
            macro.Item6 < 0
                ? new DayOfWeekSpec("*", DayOfWeekSpec.Rule.Set, All(DayOfWeekField).Values, 0, 0)
                : new DayOfWeekSpec("0", DayOfWeekSpec.Rule.Set, Only(DayOfWeekField, 0).Values, 0, 0));

    private static FieldSpec Only(FieldInfo field, int value)
    {
        var values = new bool[field.Max + 1];
        values[value] = true;
        return new FieldSpec(value.ToString(CultureInfo.InvariantCulture), values);
    }

    private static FieldSpec All(FieldInfo field) => new("*", ToSet(field, Expand(field, field.Min, field.Top, 1)));

    private static Gen<DayOfMonthSpec> DayOfMonth(bool cronos, bool dense) =>
        Gen.Frequency(
            (dense ? 80 : 8, Field(DayOfMonthField, cronos, starWeight: dense ? 60 : 3, listWeight: 2)
                .Select(f => new DayOfMonthSpec(f.Text, DayOfMonthSpec.Rule.Set, f.Values, 0))),
            (1, Casing("L").Select(l => new DayOfMonthSpec(l, DayOfMonthSpec.Rule.Last, [], 0))),
            (1, from offset in Gen.Int[0, 30]
                from l in Casing("L")
                from number in Number(offset, cronos)
                select new DayOfMonthSpec(l + "-" + number, DayOfMonthSpec.Rule.Last, [], offset)),
            (1, Casing("LW").Select(lw => new DayOfMonthSpec(lw, DayOfMonthSpec.Rule.LastWeekday, [], 0))),
            (1, from day in Gen.Int[1, 31]
                from number in Number(day, cronos)
                from w in Casing("W")
                select new DayOfMonthSpec(number + w, DayOfMonthSpec.Rule.NearestWeekday, [], day)));

    private static Gen<DayOfWeekSpec> DayOfWeek(bool cronos, bool dense) =>
        Gen.Frequency(
            (dense ? 80 : 8, Field(DayOfWeekField, cronos, starWeight: dense ? 60 : 3, listWeight: 2)
                .Select(f => new DayOfWeekSpec(f.Text, DayOfWeekSpec.Rule.Set, f.Values, 0, 0))),
            (1, from day in Gen.Int[0, 7]
                from text in Value(DayOfWeekField, day, cronos)
                from l in Casing("L")
                select new DayOfWeekSpec(text + l, DayOfWeekSpec.Rule.Last, [], day, 0)),
            (1, from day in Gen.Int[0, 7]
                from text in Value(DayOfWeekField, day, cronos)
                from nth in Gen.Int[1, 5]
                select new DayOfWeekSpec(text + "#" + nth.ToString(CultureInfo.InvariantCulture), DayOfWeekSpec.Rule.Nth, [], day, nth)));

    /// <summary>A whole field: <c>*</c> (or <c>?</c> in the day fields), one item, or a list of items.</summary>
    private static Gen<FieldSpec> Field(FieldInfo field, bool cronos, int starWeight, int listWeight)
    {
        Gen<string> star = field.IsDay ? Gen.OneOfConst("*", "*", "?") : Gen.Const("*");
        return Gen.Frequency(
            (starWeight, star.Select(s => new FieldSpec(s, ToSet(field, Expand(field, field.Min, field.Top, 1))))),
            (6, Item(field, cronos, allowStar: true).Select(item => new FieldSpec(item.Text, ToSet(field, item.Values)))),
            (listWeight, Item(field, cronos, allowStar: !cronos).Array[2, 4].Select(items => new FieldSpec(
                string.Join(',', items.Select(i => i.Text)), ToSet(field, items.SelectMany(i => i.Values))))));
    }

    /// <summary>One list item: <c>a</c>, <c>a-b</c>, <c>a-b/s</c>, <c>a/s</c>, <c>*/s</c> (ranges in either order).</summary>
    private static Gen<(string Text, int[] Values)> Item(FieldInfo field, bool cronos, bool allowStar)
    {
        int maxStep = cronos ? field.CronosMaxStep : field.IsDayOfWeek ? 7 : field.Max - field.Min + 1;
        Gen<int> step = Gen.Frequency((5, Gen.Int[1, 6]), (2, Gen.Int[1, maxStep]));
        Gen<int> value = Gen.Int[field.Min, field.Max];
        Gen<string> star = field.IsDay ? Gen.OneOfConst("*", "*", "?") : Gen.Const("*");
        var single =
            from a in value
            from text in Value(field, a, cronos)
            select (text, Expand(field, a, a, 1));

        // Cronos gets the phase of 7-b/s (b < 7, s > 1) wrong: 7-3/2 is TUE there (SUN, TUE here) and 7-2/3 never fires.
        var range =
            from a in value
            from b in value
            from s in Gen.Frequency((2, Gen.Const(0)), (3, step))
            where !(cronos && field.IsDayOfWeek && a == 7 && b < 7 && s > 1)
            from textA in Value(field, a, cronos)
            from textB in Value(field, b, cronos)
            select (textA + "-" + textB + StepText(s), Expand(field, a, b, Math.Max(s, 1)));
        var fromStep =
            from a in value
            from s in step
            from textA in Value(field, a, cronos)
            select (textA + StepText(s), Expand(field, a, field.Max, s));
        var starStep =
            from s in step
            from text in star
            select (text + StepText(s), Expand(field, field.Min, field.Top, s));
        return Gen.Frequency((4, single), (4, range), (2, fromStep), (allowStar ? 2 : 0, starStep));
    }

    private static string Of(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string StepText(int step) => step == 0 ? "" : "/" + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The values of <c>from-to/step</c> per the cron rules in README.md (Cron dialect): a reversed range wraps around the end of the field, and 7 is Sunday
    /// inside day-of-week ranges too (<c>7-2</c> is Sunday to Tuesday).
    /// </summary>
    private static int[] Expand(FieldInfo field, int from, int to, int step)
    {
        if (field.IsDayOfWeek && from == 7 && to < 7)
        {
            from = 0;
        }

        var sequence = new List<int>();
        if (from <= to)
        {
            for (int v = from; v <= to; v++)
            {
                sequence.Add(v);
            }
        }
        else
        {
            for (int v = from; v <= field.Top; v++)
            {
                sequence.Add(v);
            }

            for (int v = field.Min; v <= to; v++)
            {
                sequence.Add(v);
            }
        }

        return [.. sequence.Where((_, index) => index % step == 0).Select(v => field.IsDayOfWeek ? v % 7 : v)];
    }

    private static bool[] ToSet(FieldInfo field, IEnumerable<int> values)
    {
        var set = new bool[field.Max + 1];
        foreach (int v in values)
        {
            set[v] = true;
        }

        return field.IsDayOfWeek ? set[..7] : set;
    }

    /// <summary>A number (sometimes with leading zeros) or, in the month and day-of-week fields, sometimes a name in any case.</summary>
    private static Gen<string> Value(FieldInfo field, int value, bool cronos)
    {
        Gen<string> number = Number(value, cronos);
        if (field.Names is null || (field.IsDayOfWeek && value == 7))
        {
            // SUN is 0, never 7: SUN-7 is every day, 7-7 only Sunday.
            return number;
        }

        string name = field.Names[field.IsDayOfWeek ? value : value - 1];
        return Gen.Frequency((3, number), (1, Casing(name)));
    }

    /// <summary>Leading zeros: we read up to four digits, Cronos two.</summary>
    private static Gen<string> Number(int value, bool cronos)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        return Gen.Frequency((6, Gen.Const(text)), (1, Gen.Int[1, cronos ? 2 : 4].Select(width => text.PadLeft(width, '0'))));
    }

    private static Gen<string> Casing(string text) =>
        Gen.Frequency(
            (3, Gen.Const(text)),
            (1, Gen.Int[0, 255].Select(mask =>
                string.Concat(text.Select((c, i) => ((mask >> i) & 1) != 0 ? char.ToLowerInvariant(c) : c)))));

    /// <summary>A field's bounds. <see cref="Top"/> is where a reversed range or <c>*</c> wraps: 6 for day-of-week, where 7 = 0.</summary>
    private sealed record FieldInfo(string Name, int Min, int Max, string[]? Names, int CronosMaxStep)
    {
        public bool IsDayOfWeek => Name == "day-of-week";

        public bool IsDay => Name is "day-of-week" or "day-of-month";

        public int Top => IsDayOfWeek ? 6 : Max;
    }
}
