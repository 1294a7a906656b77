using System.Globalization;
using System.Text;

namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>Describes a cron expression in plain English, the way crontab.guru does: "At 09:30 on every day-of-week from Monday through Friday."</summary>
/// <remarks>
/// <para>
/// The sentence is built from the text of the fields, not from the engine's sets of values, because the text says what
/// the author meant: <c>*/15</c> is "every 15th minute", not "minute 0, 15, 30, and 45". The text is first validated by
/// <see cref="CronExpression.Parse"/>, so the small reader here may assume it is well formed.
/// </para>
/// <para>
/// Where the two day fields are both restricted, the sentence says which rule applies, the engine's (Vixie cron's): "or" when neither
/// begins with <c>*</c> or <c>?</c> (<c>0 0 13 * 5</c>: "on day-of-month 13 or on Friday"), "when that day is also"
/// otherwise.
/// </para>
/// </remarks>
internal static class Explainer
{
    private static readonly string[] MonthNames =
        ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    private static readonly string[] DayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    private static readonly string[] WeekOrdinals = ["", "first", "second", "third", "fourth", "fifth"];

    private static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Describes a cron expression or macro.</summary>
    /// <param name="text">The expression; five fields, six with seconds first, or a macro.</param>
    /// <param name="format">The format, or <see langword="null"/> to take it from the number of fields.</param>
    /// <returns>One or two sentences.</returns>
    /// <exception cref="FormatException">The expression is not valid (the engine's message).</exception>
    public static string Explain(string text, CronFormat? format = null)
    {
        CronExpression expression = format is { } forced ? CronExpression.Parse(text, forced) : Triggers.ParseCronExpression(text);
        CronFormat actual = expression.Format;
        string[] fields = Fields(text.Trim(), actual);
        bool seconds = actual == CronFormat.IncludeSeconds;
        int first = seconds ? 1 : 0;

        var sentence = new StringBuilder("At ");
        sentence.Append(Time(seconds ? Parse(fields[0], CronField.Second) : null, Parse(fields[first], CronField.Minute), Parse(fields[first + 1], CronField.Hour)));
        sentence.Append(Days(fields[first + 2], fields[first + 4]));
        Field month = Parse(fields[first + 3], CronField.Month);
        if (!month.IsEvery)
        {
            sentence.Append(" in ").Append(Describe(month, "and"));
        }

        sentence.Append('.');
        if (expression.GetNextOccurrence(Epoch, TimeZoneInfo.Utc) is null)
        {
            sentence.Append(" It never fires: no such date exists.");
        }

        return sentence.ToString();
    }

    /// <summary>Describes an <c>@every</c> interval: "Every 1 hour and 30 minutes."</summary>
    public static string ExplainInterval(TimeSpan interval)
    {
        var parts = new List<string>();
        AddPart(parts, interval.Days, "day");
        AddPart(parts, interval.Hours, "hour");
        AddPart(parts, interval.Minutes, "minute");
        AddPart(parts, interval.Seconds, "second");
        AddPart(parts, interval.Milliseconds, "millisecond");
        return "Every " + Join(parts, "and") + ", counted from when the job is scheduled.";

        static void AddPart(List<string> parts, int count, string unit)
        {
            if (count != 0)
            {
                parts.Add(count == 1 ? "1 " + unit : string.Create(CultureInfo.InvariantCulture, $"{count} {unit}s"));
            }
        }
    }

    /// <summary>The fields of the text, a macro replaced by the fields it stands for.</summary>
    private static string[] Fields(string text, CronFormat format)
    {
        string expanded = text.ToUpperInvariant() switch
        {
            "@YEARLY" or "@ANNUALLY" => "0 0 1 1 *",
            "@MONTHLY" => "0 0 1 * *",
            "@WEEKLY" => "0 0 * * 0",
            "@DAILY" or "@MIDNIGHT" => "0 0 * * *",
            "@HOURLY" => "0 * * * *",
            _ => text,
        };
        if (!ReferenceEquals(expanded, text) && format == CronFormat.IncludeSeconds)
        {
            expanded = "0 " + expanded;
        }

        return expanded.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    private static string Time(Field? second, Field minute, Field hour)
    {
        if (minute.IsSingleValue && hour.IsSingleValue && (second is null || second.IsSingleValue))
        {
            string time = string.Create(CultureInfo.InvariantCulture, $"{hour.Items[0].From:00}:{minute.Items[0].From:00}");
            return second is null ? time : string.Create(CultureInfo.InvariantCulture, $"{time}:{second.Items[0].From:00}");
        }

        // The finest field always; a coarser one when it is restricted, and a minute between a restricted second and a
        // restricted hour even when it is *, so that "0 * 9 * * *" does not read as once at 09:00.
        var parts = new List<string>();
        if (second is not null)
        {
            parts.Add(Describe(second, "and"));
            if (!minute.IsEvery || (!second.IsEvery && !hour.IsEvery))
            {
                parts.Add(Describe(minute, "and"));
            }
        }
        else
        {
            parts.Add(Describe(minute, "and"));
        }

        if (!hour.IsEvery)
        {
            parts.Add(Describe(hour, "and"));
        }

        return string.Join(" past ", parts);
    }

    private static string Days(string dayOfMonthText, string dayOfWeekText)
    {
        string? dayOfMonth = DayOfMonthRule(dayOfMonthText);
        Field? dayOfMonthField = dayOfMonth is null ? Parse(dayOfMonthText, CronField.DayOfMonth) : null;
        string? dayOfWeek = DayOfWeekRule(dayOfWeekText);
        Field? dayOfWeekField = dayOfWeek is null ? Parse(dayOfWeekText, CronField.DayOfWeek) : null;
        bool dayOfMonthRestricted = dayOfMonthField is not { IsEvery: true };
        bool dayOfWeekRestricted = dayOfWeekField is not { IsEvery: true };
        dayOfMonth ??= Describe(dayOfMonthField!, "and");
        dayOfWeek ??= Describe(dayOfWeekField!, "and");

        if (dayOfMonthRestricted && dayOfWeekRestricted)
        {
            bool either = !StartsWithStar(dayOfMonthText) && !StartsWithStar(dayOfWeekText);
            return either
                ? $" on {dayOfMonth} or on {dayOfWeek}"
                : $" on {dayOfMonth} when that day is also {(dayOfWeekField is null ? dayOfWeek : Describe(dayOfWeekField, "or"))}";
        }

        return dayOfMonthRestricted ? " on " + dayOfMonth : dayOfWeekRestricted ? " on " + dayOfWeek : "";
    }

    private static bool StartsWithStar(string field) => field[0] is '*' or '?';

    /// <summary>The day-of-month rules that are not sets of days: <c>L</c>, <c>L-n</c>, <c>LW</c>, <c>nW</c>.</summary>
    private static string? DayOfMonthRule(string text)
    {
        string upper = text.ToUpperInvariant();
        if (upper is "L" or "L-0")
        {
            return "the last day of the month";
        }

        if (upper == "LW")
        {
            return "the last weekday of the month";
        }

        if (upper.StartsWith("L-", StringComparison.Ordinal))
        {
            int days = int.Parse(upper.AsSpan(2), CultureInfo.InvariantCulture);
            return days == 1 ? "the day before the last day of the month" : $"the day {days} days before the last day of the month";
        }

        return upper.EndsWith('W')
            ? $"the weekday nearest day {int.Parse(upper.AsSpan(0, upper.Length - 1), CultureInfo.InvariantCulture)} of the month"
            : null;
    }

    /// <summary>The day-of-week rules that are not sets of days: <c>nL</c> and <c>n#k</c>.</summary>
    private static string? DayOfWeekRule(string text)
    {
        string upper = text.ToUpperInvariant();
        int hash = upper.IndexOf('#', StringComparison.Ordinal);
        if (hash > 0)
        {
            int week = int.Parse(upper.AsSpan(hash + 1), CultureInfo.InvariantCulture);
            return $"the {WeekOrdinals[week]} {DayNames[Value(upper[..hash], CronField.DayOfWeek)]} of the month";
        }

        return upper.Length > 1 && upper.EndsWith('L')
            ? $"the last {DayNames[Value(upper[..^1], CronField.DayOfWeek)]} of the month"
            : null;
    }

    private static string Describe(Field field, string conjunction)
    {
        if (field.Items.All(item => item.Kind == ItemKind.Value))
        {
            IEnumerable<string> values = field.Items.Select(item => Show(item.From, field.Unit));
            return field.Unit is CronField.Month or CronField.DayOfWeek
                ? Join(values.ToList(), conjunction)
                : CronFields.Name(field.Unit) + " " + Join(values.ToList(), conjunction);
        }

        return Join(field.Items.Select(item => Describe(item, field.Unit)).ToList(), conjunction);
    }

    private static string Describe(Item item, CronField unit)
    {
        string name = CronFields.Name(unit);
        string every = item.Step == 1 ? "every " + name : $"every {Ordinal(item.Step)} {name}";
        return item.Kind switch
        {
            ItemKind.Value => unit is CronField.Month or CronField.DayOfWeek ? Show(item.From, unit) : $"{name} {Show(item.From, unit)}",
            ItemKind.All => every,
            _ => $"{every} from {Show(item.From, unit)} through {Show(item.To, unit)}",
        };
    }

    private static Field Parse(string text, CronField unit)
    {
        var items = new List<Item>();
        foreach (string part in text.Split(','))
        {
            int slash = part.IndexOf('/', StringComparison.Ordinal);
            string range = slash < 0 ? part : part[..slash];
            int step = slash < 0 ? 1 : int.Parse(part.AsSpan(slash + 1), CultureInfo.InvariantCulture);
            int dash = range.IndexOf('-', StringComparison.Ordinal);
            if (range is "*" or "?")
            {
                items.Add(new Item(ItemKind.All, 0, 0, step));
            }
            else if (dash > 0)
            {
                items.Add(new Item(ItemKind.Range, Value(range[..dash], unit), Value(range[(dash + 1)..], unit), step));
            }
            else if (slash > 0)
            {
                // a/n runs from a to the end of the field.
                items.Add(new Item(ItemKind.Range, Value(range, unit), CronFields.Max(unit), step));
            }
            else
            {
                items.Add(new Item(ItemKind.Value, Value(range, unit), 0, 1));
            }
        }

        return new Field(unit, items);
    }

    private static int Value(string text, CronField unit)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            return number;
        }

        string[] names = unit == CronField.Month ? MonthNames : DayNames;
        return Array.FindIndex(names, name => name.Length >= 3 && name.StartsWith(text, StringComparison.OrdinalIgnoreCase));
    }

    private static string Show(int value, CronField unit) => unit switch
    {
        CronField.Month => MonthNames[value],
        CronField.DayOfWeek => DayNames[value],
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st.</summary>
    private static string Ordinal(int n)
    {
        string suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n.ToString(CultureInfo.InvariantCulture) + suffix;
    }

    /// <summary>"a", "a and b", "a, b, and c".</summary>
    private static string Join(List<string> parts, string conjunction) => parts.Count switch
    {
        1 => parts[0],
        2 => $"{parts[0]} {conjunction} {parts[1]}",
        _ => string.Join(", ", parts.Take(parts.Count - 1)) + $", {conjunction} {parts[^1]}",
    };

    private enum ItemKind
    {
        All,
        Value,
        Range,
    }

    /// <summary>One list item: <c>*</c>, a value or a range, with a step (1 when there is none).</summary>
    private readonly record struct Item(ItemKind Kind, int From, int To, int Step);

    private sealed record Field(CronField Unit, List<Item> Items)
    {
        /// <summary>Gets a value indicating whether the field is <c>*</c> or <c>?</c> (no restriction).</summary>
        public bool IsEvery => Items is [{ Kind: ItemKind.All, Step: 1 }];

        public bool IsSingleValue => Items is [{ Kind: ItemKind.Value }];
    }
}
