namespace Codomyrmex.Scheduler;

/// <summary>How the day-of-month field chooses days.</summary>
internal enum DayOfMonthRule : byte
{
    /// <summary>The days in the bit set.</summary>
    Days,

    /// <summary><c>L</c> or <c>L-n</c>: the last day of the month, less an offset.</summary>
    Last,

    /// <summary><c>LW</c>: the last weekday (Monday to Friday) of the month.</summary>
    LastWeekday,

    /// <summary><c>nW</c>: the weekday nearest to day n, without leaving the month.</summary>
    NearestWeekday,
}

/// <summary>How the day-of-week field chooses days.</summary>
internal enum DayOfWeekRule : byte
{
    /// <summary>The weekdays in the bit set.</summary>
    Days,

    /// <summary><c>nL</c>: the last weekday n of the month.</summary>
    Last,

    /// <summary><c>n#k</c>: the k-th weekday n of the month.</summary>
    Nth,
}

/// <summary>Properties of the text that change meaning, beyond the sets of values.</summary>
[Flags]
internal enum CronFlags : byte
{
    None = 0,

    /// <summary>The day-of-month field begins with <c>*</c> or <c>?</c>.</summary>
    DayOfMonthStar = 1,

    /// <summary>The day-of-week field begins with <c>*</c> or <c>?</c>.</summary>
    DayOfWeekStar = 2,

    /// <summary>The minute and hour fields hold only numbers and commas: the expression fires once in a DST overlap.</summary>
    FixedTime = 4,
}

/// <summary>What the parser produces: the value sets as bit masks and the rules that are not sets.</summary>
internal struct CronParts
{
    public ulong Seconds;
    public ulong Minutes;
    public ulong Hours;
    public ulong DaysOfMonth;
    public ulong Months;
    public ulong DaysOfWeek;
    public DayOfMonthRule DayOfMonthRule;
    public int DayOfMonthValue;
    public DayOfWeekRule DayOfWeekRule;
    public int DayOfWeekValue;
    public int DayOfWeekNth;
    public CronFlags Flags;

    /// <summary>The macro the text was, if it was one; <see cref="CronExpression"/> then returns its shared instance.</summary>
    public CronMacro Macro;
}
