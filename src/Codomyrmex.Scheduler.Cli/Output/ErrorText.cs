using System.Text.RegularExpressions;

namespace Codomyrmex.Scheduler.Cli.Output;

/// <summary>
/// The one rule for printing a run's error for people: its message, without the .NET exception type that the history keeps
/// in front of it (<c>CommandFailedException: exit code 3: disk full</c> prints as <c>exit code 3: disk full</c>).
/// </summary>
internal static partial class ErrorText
{
    /// <summary>The error without a leading <c>SomeException: </c>; <see langword="null"/> stays <see langword="null"/>.</summary>
    public static string? Message(string? error) => error is null ? null : ExceptionType().Replace(error, "", 1);

    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*Exception: ")]
    private static partial Regex ExceptionType();
}
