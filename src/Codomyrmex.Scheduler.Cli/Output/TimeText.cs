using System.Globalization;

namespace Codomyrmex.Scheduler.Cli.Output;

/// <summary>
/// The one rule for every time schedctl prints for people: local time with its offset (<c>2026-03-08 09:00:00+01:00</c>), or
/// UTC marked <c>Z</c> with <c>--utc</c>. A printed time always carries its zone, so two lines can never be misread against
/// each other. Machine output (<c>--json</c>, <c>--log-format json</c>) is ISO 8601 in UTC whatever <c>--utc</c> says
/// (<see cref="Json"/>), so a script never depends on the zone of the machine that wrote it.
/// </summary>
internal sealed class TimeText
{
    private readonly TimeZoneInfo _zone;

    private TimeText(TimeZoneInfo zone, bool utc)
    {
        _zone = zone;
        IsUtc = utc;
    }

    /// <summary>Times in the machine's local zone, with their offset.</summary>
    public static TimeText Local { get; } = new(TimeZoneInfo.Local, utc: false);

    /// <summary>Times in UTC, marked <c>Z</c>.</summary>
    public static TimeText Utc { get; } = new(TimeZoneInfo.Utc, utc: true);

    /// <summary>Gets whether times print in UTC.</summary>
    public bool IsUtc { get; }

    /// <summary>The style the <c>--utc</c> flag asks for.</summary>
    public static TimeText For(bool utc) => utc ? Utc : Local;

    /// <summary>An instant in this style to the second: <c>2026-03-08 09:00:00+01:00</c> or <c>2026-03-08 08:00:00Z</c>.</summary>
    public string Format(DateTimeOffset instant) => Format(instant, "yyyy-MM-dd HH:mm:ss");

    /// <summary>An instant in this style to the millisecond, for run lines: <c>2026-03-08 09:00:00.004+01:00</c>.</summary>
    public string FormatPrecise(DateTimeOffset instant) => Format(instant, "yyyy-MM-dd HH:mm:ss.fff");

    /// <summary>An instant as ISO 8601 in UTC, for JSON output: <c>2026-03-08T08:00:00.0040000Z</c>.</summary>
    public static string Json(DateTimeOffset instant) => instant.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private string Format(DateTimeOffset instant, string pattern)
    {
        DateTimeOffset shown = TimeZoneInfo.ConvertTime(instant, _zone);
        string text = shown.ToString(pattern, CultureInfo.InvariantCulture);
        return IsUtc ? text + "Z" : text + shown.ToString("zzz", CultureInfo.InvariantCulture);
    }
}
