using System.CommandLine;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>The <c>--store</c> option, the same on every command that uses a store: <c>sqlite:PATH</c> or a bare path (the default), or <c>memory</c>.</summary>
internal static class StoreOption
{
    /// <summary>The environment variable that sets the store when <c>--store</c> is not given.</summary>
    public const string EnvironmentVariable = "SCHEDCTL_STORE";

    /// <summary>The store when neither <c>--store</c> nor <see cref="EnvironmentVariable"/> says otherwise.</summary>
    public const string Default = "sqlite:schedctl.db";

    public static Option<string> Create() => new("--store")
    {
        Description = $"Where jobs and their history are kept: sqlite:PATH (or just the PATH of the file), or memory (nothing kept; for trying things out). " +
            $"Default: ${EnvironmentVariable}, else {Default}.",
        HelpName = "sqlite:PATH|memory",
    };

    /// <summary>The store the option (or the environment, or the default) names.</summary>
    public static string Resolve(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : Default : value;

    /// <summary>
    /// The one wording of a store's failure, for every command: <c>store TEXT: what is wrong</c>, on one line (after the
    /// <c>schedctl: </c> prefix).
    /// </summary>
    public static string Failure(string text, string message) =>
        $"store {text}: {string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}";

    /// <summary>Opens the store the text names, read-write, creating a SQLite file and its schema if there is none.</summary>
    /// <exception cref="ArgumentException">The text is not a store this version knows, naming it and the forms it knows.</exception>
    /// <exception cref="InvalidOperationException">The path is a FIFO, a device or a socket, or SQLite cannot use the file.</exception>
    public static IJobStore Open(string text)
    {
        if (Parse(text) is not { } path)
        {
            return new InMemoryJobStore();
        }

        RefuseSpecialFile(path);
        return new SqliteJobStore(path);
    }

    /// <summary>Refuses a FIFO (opening it would wait for a writer forever), a device or a socket before SQLite opens it.</summary>
    /// <exception cref="InvalidOperationException">The path is not a regular file; the message names it.</exception>
    public static void RefuseSpecialFile(string path)
    {
        if (FileTypes.Refusal(path) is { } refusal)
        {
            throw new InvalidOperationException(refusal + " A store is a regular file.");
        }
    }

    /// <summary>
    /// Reads a store's text, the one parser of it: <c>memory</c> (null is returned), or the full path of a SQLite file given as
    /// <c>sqlite:PATH</c> or as a bare path (<c>jobs.db</c>, <c>./x.db</c>, <c>/var/lib/schedctl.db</c>, <c>C:\x.db</c>).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The text is empty, <c>sqlite:</c> without a path, a scheme this version does not support (<c>postgres:</c>), or an
    /// unknown scheme (<c>mysql:...</c>); the message names it and the forms that work.
    /// </exception>
    public static string? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("The store is empty: use sqlite:PATH, a path such as ./jobs.db, or memory.");
        }

        if (text.Equals("memory", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon > 1 && IsScheme(text.AsSpan(0, colon)) ? text[..colon] : "";
        if (scheme.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            string path = text[(colon + 1)..];
            return path.Length > 0
                ? FullPath(text, path)
                : throw new ArgumentException($"Store '{text}' has no path after sqlite:; for example sqlite:jobs.db.");
        }

        if (scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase) || scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Store '{text}': PostgreSQL is not supported by this version of schedctl yet; use sqlite:PATH.");
        }

        if (scheme.Length > 0)
        {
            throw new ArgumentException(
                $"Store '{text}' has the unknown scheme '{scheme}:'; use sqlite:PATH, memory, or a path (write ./{text} for a file " +
                "whose name has a colon).");
        }

        return FullPath(text, text);
    }

    /// <summary>A URI scheme: a letter, then letters, digits, '+', '-' or '.'. One letter is a Windows drive, never a scheme.</summary>
    private static bool IsScheme(ReadOnlySpan<char> text)
    {
        if (!char.IsAsciiLetter(text[0]))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static string FullPath(string text, string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"Store '{text}' is not a usable path: {e.Message}", e);
        }
    }
}
