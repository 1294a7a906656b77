namespace Codomyrmex.Scheduler.Cli.Output;

/// <summary>
/// Colour for run lines on a terminal: only when stdout is a terminal, <c>NO_COLOR</c> is unset or empty
/// (https://no-color.org), and <c>TERM</c> is not <c>dumb</c>. Plain ANSI SGR codes: one outcome word per line is coloured,
/// which does not justify a console library and its own detection rules.
/// </summary>
internal static class Colour
{
    private const string Reset = "\u001b[0m";

    /// <summary>Whether schedctl's stdout should be coloured.</summary>
    public static bool IsWanted() =>
        !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    /// <summary>The outcome word of a run line in its colour: green for ok, red for failed, yellow for the rest that needs an eye.</summary>
    public static string Outcome(string word, string padded) => word switch
    {
        "ok" => "\u001b[32m" + padded + Reset,
        "failed" => "\u001b[31m" + padded + Reset,
        "interrupted" or "cancelled" or "retrying" => "\u001b[33m" + padded + Reset,
        _ => "\u001b[2m" + padded + Reset,
    };
}
