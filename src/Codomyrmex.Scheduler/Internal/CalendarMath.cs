namespace Codomyrmex.Scheduler.Internal;

/// <summary>Proleptic Gregorian arithmetic on plain integers, so the cron engine never builds a DateTime in its hot loop.</summary>
internal static class CalendarMath
{
    public const int MaxYear = 9999;

    private static readonly int[] DaysBeforeMonth365 = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    private static readonly int[] DaysBeforeMonth366 = [0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366];

    public static bool IsLeapYear(int year) => (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);

    public static int DaysInMonth(int year, int month)
    {
        int[] table = IsLeapYear(year) ? DaysBeforeMonth366 : DaysBeforeMonth365;
        return table[month + 1] - table[month];
    }

    /// <summary>Days from 0001-01-01 to the given date (the same count as <see cref="DateOnly.DayNumber"/>).</summary>
    public static int DayNumber(int year, int month, int day)
    {
        int y = year - 1;
        int[] table = IsLeapYear(year) ? DaysBeforeMonth366 : DaysBeforeMonth365;
        return (y * 365) + (y / 4) - (y / 100) + (y / 400) + table[month] + day - 1;
    }

    /// <summary>0 = Sunday … 6 = Saturday, as <see cref="System.DayOfWeek"/>. Day number 0 (0001-01-01) was a Monday.</summary>
    public static int DayOfWeek(int dayNumber) => (dayNumber + 1) % 7;

    public static long ToTicks(int year, int month, int day, int hour, int minute, int second) =>
        (DayNumber(year, month, day) * TimeSpan.TicksPerDay) + (hour * TimeSpan.TicksPerHour) +
        (minute * TimeSpan.TicksPerMinute) + (second * TimeSpan.TicksPerSecond);
}
