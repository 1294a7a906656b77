using System.Text.RegularExpressions;

namespace Codomyrmex.Scheduler.Shared;

/// <summary>
/// The one rule for showing a run's error to people, in schedctl, the dashboard and the MCP tools alike: its message, without
/// the .NET exception type that the history keeps in front of it (<c>CommandFailedException: exit code 3: disk full</c> shows as
/// <c>exit code 3: disk full</c>), nor the <c>Interrupted: </c> that marks a run lost with its node or stopped by a shutdown
/// (the run's outcome says so already).
/// </summary>
/// <remarks>
/// <see cref="Job.Error"/> and <see cref="RunRecord.Error"/> keep the type on purpose, for code that reads the store; only what
/// is shown drops it.
/// </remarks>
internal static partial class ErrorText
{
    /// <summary>The error without a leading <c>SomeException: </c> or <c>Interrupted: </c>; <see langword="null"/> stays <see langword="null"/>.</summary>
    public static string? Message(string? error) => error is null ? null : ExceptionType().Replace(error, "", 1);

    [GeneratedRegex(@"^(?:(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*Exception|Interrupted): ")]
    private static partial Regex ExceptionType();
}
