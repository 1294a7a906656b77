using System.CommandLine;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>The <c>--store</c> option, the same on every command that uses a store: <c>sqlite:PATH</c> (the default) or <c>memory</c>.</summary>
internal static class StoreOption
{
    /// <summary>The environment variable that sets the store when <c>--store</c> is not given.</summary>
    public const string EnvironmentVariable = "SCHEDCTL_STORE";

    /// <summary>The store when neither <c>--store</c> nor <see cref="EnvironmentVariable"/> says otherwise.</summary>
    public const string Default = "sqlite:schedctl.db";

    public static Option<string> Create() => new("--store")
    {
        Description = $"Where jobs and their history are kept: sqlite:PATH, or memory (nothing kept; for trying things out). " +
            $"Default: ${EnvironmentVariable}, else {Default}.",
        HelpName = "sqlite:PATH|memory",
    };

    /// <summary>The store the option (or the environment, or the default) names.</summary>
    public static string Resolve(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : Default : value;

    /// <summary>Opens the store the text names.</summary>
    /// <exception cref="ArgumentException">The text is not a store this version knows, naming it and the forms it knows.</exception>
    public static IJobStore Open(string text)
    {
        if (text.Equals("memory", StringComparison.OrdinalIgnoreCase))
        {
            return new InMemoryJobStore();
        }

        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) && text.Length > "sqlite:".Length)
        {
            return new SqliteJobStore(Path.GetFullPath(text["sqlite:".Length..]));
        }

        if (text.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Store '{text}': PostgreSQL is not supported by this version of schedctl yet; use sqlite:PATH.");
        }

        throw new ArgumentException($"Store '{text}' is not one schedctl knows: use sqlite:PATH (for example sqlite:jobs.db) or memory.");
    }
}
