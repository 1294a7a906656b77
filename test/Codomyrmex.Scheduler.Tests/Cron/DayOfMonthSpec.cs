namespace Codomyrmex.Scheduler.Tests;

/// <summary>The day-of-month field: a set of days, or <c>L</c>/<c>L-n</c> (Value = n), <c>LW</c>, <c>nW</c> (Value = n).</summary>
internal sealed record DayOfMonthSpec(string Text, DayOfMonthSpec.Rule Kind, bool[] Days, int Value)
{
    public enum Rule
    {
        Set,
        Last,
        LastWeekday,
        NearestWeekday,
    }

    public bool Matches(int year, int month, int day)
    {
        int length = DateTime.DaysInMonth(year, month);
        return Kind switch
        {
            Rule.Set => Days[day],
            Rule.Last => day == length - Value,
            Rule.LastWeekday => day == LastWeekday(year, month, length),
            _ => day == NearestWeekday(year, month, length, Value),
        };
    }

    private static int LastWeekday(int year, int month, int length)
    {
        int day = length;
        while (!IsWeekday(year, month, day))
        {
            day--;
        }

        return day;
    }

    /// <summary>The weekday closest to <paramref name="target"/> inside the month; none if the month is too short.</summary>
    private static int NearestWeekday(int year, int month, int length, int target)
    {
        if (target > length)
        {
            return -1;
        }

        for (int distance = 0; ; distance++)
        {
            foreach (int day in (int[])[target - distance, target + distance])
            {
                if (day >= 1 && day <= length && IsWeekday(year, month, day))
                {
                    return day;
                }
            }
        }
    }

    private static bool IsWeekday(int year, int month, int day) =>
        new DateTime(year, month, day).DayOfWeek is not (System.DayOfWeek.Saturday or System.DayOfWeek.Sunday);
}
