namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// A generated cron expression: the text handed to the engine and the meaning the tests give that text on their own,
/// straight from the cron dialect in README.md, without any of the engine's code.
/// </summary>
internal sealed class CronSpec
{
    public CronSpec(
        string text,
        CronFormat format,
        FieldSpec? second,
        FieldSpec minute,
        FieldSpec hour,
        DayOfMonthSpec dayOfMonth,
        FieldSpec month,
        DayOfWeekSpec dayOfWeek)
    {
        Text = text;
        Format = format;
        Second = second;
        Minute = minute;
        Hour = hour;
        DayOfMonth = dayOfMonth;
        Month = month;
        DayOfWeek = dayOfWeek;
    }

    /// <summary>Gets the exact text given to the parser (with its spacing, case and macros).</summary>
    public string Text { get; }

    public CronFormat Format { get; }

    /// <summary>Gets the second field; null in the standard format, where the second is always 0.</summary>
    public FieldSpec? Second { get; }

    public FieldSpec Minute { get; }

    public FieldSpec Hour { get; }

    public DayOfMonthSpec DayOfMonth { get; }

    public FieldSpec Month { get; }

    public DayOfWeekSpec DayOfWeek { get; }

    /// <summary>Gets the granularity of occurrences: a second with a second field, else a minute.</summary>
    public long Step => Format == CronFormat.IncludeSeconds ? TimeSpan.TicksPerSecond : TimeSpan.TicksPerMinute;

    /// <summary>the cron rules in README.md (Cron dialect): minute and hour hold only numbers and commas. The second field plays no part.</summary>
    public bool FixedTime => Minute.Text.IndexOfAny(['*', '-', '/']) < 0 && Hour.Text.IndexOfAny(['*', '-', '/']) < 0;

    public bool DayOfMonthStar => DayOfMonth.Text[0] is '*' or '?';

    public bool DayOfWeekStar => DayOfWeek.Text[0] is '*' or '?';

    /// <summary>the cron rules in README.md (Cron dialect): both day fields restricted and neither begins with <c>*</c> or <c>?</c>: either may match.</summary>
    public bool EitherDay => !DayOfMonthStar && !DayOfWeekStar;

    /// <summary>Whether a local wall-clock time matches every field.</summary>
    public bool Matches(DateTime local) =>
        (Second?.Values[local.Second] ?? local.Second == 0) &&
        Minute.Values[local.Minute] &&
        Hour.Values[local.Hour] &&
        Month.Values[local.Month] &&
        DayMatches(local.Year, local.Month, local.Day);

    public bool DayMatches(int year, int month, int day)
    {
        bool byMonthDay = DayOfMonth.Matches(year, month, day);
        bool byWeekday = DayOfWeek.Matches(year, month, day);
        return EitherDay ? byMonthDay || byWeekday : byMonthDay && byWeekday;
    }

    /// <summary>The same fields, single-spaced, with a replaced day-of-month or day-of-week text (for Cronos).</summary>
    public string FieldsText(string? dayOfMonth = null, string? dayOfWeek = null) =>
        string.Join(' ', new[]
        {
            Second?.Text, Minute.Text, Hour.Text, dayOfMonth ?? DayOfMonth.Text, Month.Text, dayOfWeek ?? DayOfWeek.Text,
        }.Where(f => f is not null));

    public override string ToString() =>
        $"\"{Text}\" ({Format}{(Text.StartsWith('@') || Text.Trim() != FieldsText() ? ", fields \"" + FieldsText() + "\"" : "")})";
}
