namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>The rule for the name of an environment variable a job sets.</summary>
internal static class EnvironmentNames
{
    /// <summary>What is wrong with a variable's name, or <see langword="null"/> when it can be set.</summary>
    /// <remarks>
    /// The environment is a list of <c>NAME=value</c> strings: a name with <c>=</c> would be read back as a shorter name and
    /// a different value, an empty name as no variable at all, and a NUL ends the string.
    /// </remarks>
    public static string? Problem(string name) =>
        name.Length == 0 ? "an environment variable's name is empty."
        : name.Contains('=', StringComparison.Ordinal) ? $"the environment variable name \"{name}\" contains '='; a name cannot, the first '=' ends it."
        : name.Contains('\0', StringComparison.Ordinal) ? "an environment variable's name contains a NUL character."
        : null;
}
