using System.Globalization;
using System.Text;

namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>How caller input and times appear in answers.</summary>
internal static class Texts
{
    /// <summary>The longest piece of caller input an error message repeats.</summary>
    private const int ClipLength = 100;

    /// <summary>
    /// Caller input as an error message repeats it: control characters shown as <c>\uXXXX</c> (no line breaks or escape
    /// sequences reach a log or a terminal) and cut after 100 characters.
    /// </summary>
    public static string Clip(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, ClipLength) + 8);
        foreach (char c in text.Length > ClipLength ? text[..ClipLength] : text)
        {
            if (char.IsControl(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return text.Length > ClipLength ? builder.Append('…').ToString() : builder.ToString();
    }

    /// <summary>An instant as ISO-8601 with its offset (<c>2026-12-05T18:30:00+00:00</c>), in UTC.</summary>
    public static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>An instant as ISO-8601 in a zone, with that zone's offset at that instant.</summary>
    public static string Time(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
}
