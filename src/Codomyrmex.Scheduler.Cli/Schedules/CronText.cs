using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler.Cli.Schedules;

/// <summary>Cron text as schedctl reads it: the format follows from the number of fields, and an error says where its token starts.</summary>
internal static class CronText
{
    /// <summary>Six fields mean a leading second field; anything else (five fields, a macro, a wrong count) is read as standard.</summary>
    public static CronFormat FormatOf(string text)
    {
        int fields = 0;
        bool inField = false;
        foreach (char c in text)
        {
            bool space = char.IsWhiteSpace(c);
            if (!space && !inField)
            {
                fields++;
            }

            inField = !space;
        }

        return fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
    }

    /// <summary>Parses cron text, reporting the engine's message and the offset of the token it names.</summary>
    /// <param name="text">The expression.</param>
    /// <param name="format">The format, usually <see cref="FormatOf"/> of the text.</param>
    /// <param name="expression">The parsed expression.</param>
    /// <param name="error">The engine's message, which names the field and the token.</param>
    /// <param name="errorOffset">Where in <paramref name="text"/> the bad token starts (0 when the error is about the whole text).</param>
    public static bool TryParse(
        string text, CronFormat format, [NotNullWhen(true)] out CronExpression? expression, [NotNullWhen(false)] out string? error, out int errorOffset)
    {
        if (CronParser.TryParse(text, format, out _, out CronParseError parseError))
        {
            expression = CronExpression.Parse(text, format);
            error = null;
            errorOffset = 0;
            return true;
        }

        expression = null;
        error = parseError.ToMessage(text, format);
        errorOffset = parseError.Length == 0 ? 0 : parseError.Start;
        return false;
    }
}
