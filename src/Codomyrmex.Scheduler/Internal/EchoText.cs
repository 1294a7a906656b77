using System.Globalization;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>A user's text as an error message shows it: whole if short, else its start and its length, so a megabyte of input never becomes a megabyte of message.</summary>
internal static class EchoText
{
    public const int MaxEcho = 60;

    /// <summary>The text between <paramref name="quote"/> characters, cut after <see cref="MaxEcho"/> characters.</summary>
    public static string Quote(string value, char quote) =>
        value.Length <= MaxEcho
            ? quote + value + quote
            : quote + value[..MaxEcho] + "…" + quote + Length(value);

    /// <summary>The text as it is, cut after <see cref="MaxEcho"/> characters.</summary>
    public static string Cut(string value) => value.Length <= MaxEcho ? value : value[..MaxEcho] + "…" + Length(value);

    private static string Length(string value) => " (" + value.Length.ToString(CultureInfo.InvariantCulture) + " characters)";
}
