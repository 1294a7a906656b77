namespace Codomyrmex.Scheduler.Tests;

/// <summary>The day-of-week field: a set of weekdays, or <c>nL</c> (Value = n), or <c>n#k</c> (Value = n, Nth = k).</summary>
internal sealed record DayOfWeekSpec(string Text, DayOfWeekSpec.Rule Kind, bool[] Days, int Value, int Nth)
{
    public enum Rule
    {
        Set,
        Last,
        Nth,
    }

    public bool Matches(int year, int month, int day)
    {
        int weekday = (int)new DateTime(year, month, day).DayOfWeek;
        return Kind switch
        {
            Rule.Set => Days[weekday],
            Rule.Last => weekday == Value % 7 && day + 7 > DateTime.DaysInMonth(year, month),
            _ => weekday == Value % 7 && ((day - 1) / 7) + 1 == Nth,
        };
    }
}
