namespace Codomyrmex.Scheduler.Tests;

/// <summary>The zones the tests use: each has a daylight-saving shape worth testing.</summary>
internal static class Zones
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>Shifts by 30 minutes: +10:30 in winter, +11 in summer.</summary>
    public static readonly TimeZoneInfo LordHowe = TimeZoneInfo.FindSystemTimeZoneById("Australia/Lord_Howe");

    /// <summary>+12:45 / +13:45, changing at 02:45 local.</summary>
    public static readonly TimeZoneInfo Chatham = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Chatham");

    /// <summary>Had DST (changing at midnight) until 2019, none since.</summary>
    public static readonly TimeZoneInfo SaoPaulo = TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");

    /// <summary>No DST: +05:30 all year.</summary>
    public static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    public static readonly TimeZoneInfo[] All = [TimeZoneInfo.Utc, NewYork, Berlin, LordHowe, Chatham, SaoPaulo, Kolkata];
}
