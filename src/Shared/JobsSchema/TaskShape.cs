using System.Globalization;
using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>A task of a jobs file: a named command with no schedule, which jobs (and later MCP callers) run by name.</summary>
/// <remarks>
/// <para>
/// A caller never changes the task's program or environment. Arguments reach the command in exactly two ways, and never
/// through a shell: <c>args</c> are appended to the argv, each as one argument, only when the task declares
/// <c>"takes_args": true</c> (a shell task cannot: its command line would reparse them); <c>kwargs</c> become environment
/// variables, only those the task names in its allow-list <c>"kwargs": ["NAME", ...]</c>. Everything else is refused.
/// </para>
/// </remarks>
internal sealed class TaskShape
{
    /// <summary>The most arguments one run may append.</summary>
    public const int MaxArgs = 64;

    /// <summary>The longest text one argument or keyword value may have, in characters.</summary>
    public const int MaxArgLength = 4096;

    /// <summary>Gets the task's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets what the task does, for people and agents choosing it; <see langword="null"/> when not given.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the argv, or with <see cref="Shell"/> the one command line.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Gets a value indicating whether <see cref="Command"/> is a command line for the shell.</summary>
    public bool Shell { get; init; }

    /// <summary>Gets the folder the command runs in, or <see langword="null"/> for the runner's own.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Gets the variables added to the command's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets how long one run may take, or <see langword="null"/> for no limit of the task's own.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets a value indicating whether a run's <c>args</c> are appended to the argv.</summary>
    public bool TakesArgs { get; init; }

    /// <summary>
    /// Gets a value indicating whether an MCP caller's <c>args</c> may start with <c>-</c> (<c>"args_may_be_options": true</c>);
    /// by default such an argument is refused, so that a caller cannot pass the program an option. The file's own jobs are
    /// written by the task's author and are not limited by it.
    /// </summary>
    public bool ArgsMayBeOptions { get; init; }

    /// <summary>Gets the names of the environment variables a run's <c>kwargs</c> may set.</summary>
    public IReadOnlyList<string> Kwargs { get; init; } = [];

    /// <summary>Gets the node the task was read from, for its place in the source.</summary>
    public required SchemaNode Node { get; init; }

    /// <summary>The argv of one run with <paramref name="args"/>: the task's command, then each argument as one element.</summary>
    /// <returns><see langword="null"/> with <paramref name="error"/> when the task takes no arguments or one is not a scalar.</returns>
    public IReadOnlyList<string>? BindArgs(JsonArray? args, out string? error)
    {
        error = null;
        if (args is null || args.Count == 0)
        {
            return Command;
        }

        if (!TakesArgs)
        {
            error = $"task '{Name}' takes no arguments (it does not declare \"takes_args\": true), so \"args\" cannot be given.";
            return null;
        }

        if (args.Count > MaxArgs)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"\"args\" has {args.Count} arguments; at most {MaxArgs} are allowed.");
            return null;
        }

        var argv = new List<string>(Command);
        for (int i = 0; i < args.Count; i++)
        {
            if (Scalar(args[i]) is not { } text)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"argument {i} of \"args\" must be a string, a number or a boolean.");
                return null;
            }

            if (Problem(text) is { } problem)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"argument {i} of \"args\" {problem}");
                return null;
            }

            argv.Add(text);
        }

        return argv;
    }

    /// <summary>The environment of one run with <paramref name="kwargs"/>: the task's variables, then each allowed keyword.</summary>
    /// <returns><see langword="null"/> with <paramref name="error"/> when a keyword is not in the task's allow-list or not a scalar.</returns>
    public IReadOnlyDictionary<string, string>? BindKwargs(JsonObject? kwargs, out string? error)
    {
        error = null;
        if (kwargs is null || kwargs.Count == 0)
        {
            return Environment;
        }

        var environment = new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        foreach ((string name, JsonNode? value) in kwargs)
        {
            if (!Kwargs.Contains(name, StringComparer.Ordinal))
            {
                error = Kwargs.Count == 0
                    ? $"task '{Name}' takes no keyword arguments (it declares no \"kwargs\"), so \"{name}\" cannot be given."
                    : $"task '{Name}' takes no keyword argument \"{name}\"; it takes {string.Join(", ", Kwargs)}.";
                return null;
            }

            if (Scalar(value) is not { } text)
            {
                error = $"the keyword argument \"{name}\" must be a string, a number or a boolean.";
                return null;
            }

            if (Problem(text) is { } problem)
            {
                error = $"the keyword argument \"{name}\" {problem}";
                return null;
            }

            environment[name] = text;
        }

        return environment;
    }

    /// <summary>A scalar's text as a command receives it: a string as it is, a number or boolean as JSON writes it.</summary>
    private static string? Scalar(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => value.GetValue<string>(),
            System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => value.ToJsonString(),
            _ => null,
        }
        : null;

    /// <summary>What makes a value unfit for an argv element or an environment value: a NUL ends it early, and size is bounded.</summary>
    private static string? Problem(string text) =>
        text.Contains('\0', StringComparison.Ordinal) ? "contains a NUL character."
        : text.Length > MaxArgLength ? string.Create(CultureInfo.InvariantCulture, $"is longer than {MaxArgLength} characters.")
        : null;
}
