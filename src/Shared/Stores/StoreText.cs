namespace Codomyrmex.Scheduler.Shared;

/// <summary>
/// A store as text, read by the one parser of it that schedctl (<c>--store</c>, <c>$SCHEDCTL_STORE</c>) and the hosting
/// configuration (<c>Scheduler:Store</c>) share: <c>memory</c>; <c>sqlite</c>, <c>sqlite:PATH</c> or a bare path for a SQLite
/// file; <c>postgres:CONNECTION-STRING</c> (<see cref="PostgresTarget"/> reads it); or <c>NAME:ARGUMENT</c> for a store an application adds.
/// </summary>
/// <remarks>
/// The text before the first colon is a scheme when it looks like one (a letter, then letters, digits, <c>+ - .</c>), and
/// has two characters or more: <c>C:\x.db</c> is a Windows path, and <c>./mysql:x.db</c> a file whose name has a colon.
/// Schemes compare without regard to case.
/// </remarks>
internal readonly struct StoreText
{
    private StoreText(StoreKind kind, string scheme, string? argument) => (Kind, Scheme, Argument) = (kind, scheme, argument);

    /// <summary>Gets the kind of store.</summary>
    public StoreKind Kind { get; }

    /// <summary>Gets the scheme as written (<c>sqlite</c>, <c>custom</c>); empty for <c>memory</c> and a bare path.</summary>
    public string Scheme { get; }

    /// <summary>
    /// Gets the scheme's argument: a SQLite file's path (<see langword="null"/> for <c>sqlite</c> alone: the caller's default
    /// file), a connection string (<see langword="null"/> for <c>postgres</c> alone: the caller's named one), or what another
    /// scheme's provider receives.
    /// </summary>
    public string? Argument { get; }

    /// <summary>Gets how a message names the store without its argument, which may hold a password (<c>postgres:...</c>).</summary>
    public string Redacted => Kind is StoreKind.Postgres or StoreKind.Other ? Scheme + ":..." : Kind == StoreKind.Memory ? "memory" : "sqlite:" + Argument;

    /// <summary>Reads a store's text.</summary>
    /// <exception cref="ArgumentException">
    /// The text is empty, <c>memory</c> with an argument, or <c>sqlite:</c> or <c>postgres:</c> without one; the message says
    /// what to write instead.
    /// </exception>
    public static StoreText Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("The store is empty: use sqlite:PATH, a path such as ./jobs.db, postgres:CONNECTION-STRING, or memory.");
        }

        string trimmed = text.Trim();
        if (trimmed.Equals("memory", StringComparison.OrdinalIgnoreCase))
        {
            return new StoreText(StoreKind.Memory, "", null);
        }

        if (trimmed.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return new StoreText(StoreKind.Sqlite, trimmed, null);
        }

        if (trimmed.Equals("postgres", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            // The connection string comes from elsewhere: the hosting configuration's named connection string.
            return new StoreText(StoreKind.Postgres, trimmed, null);
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon > 1 && IsScheme(text.AsSpan(0, colon)) ? text[..colon] : "";
        string argument = scheme.Length > 0 ? text[(colon + 1)..] : text;
        if (scheme.Length == 0)
        {
            return new StoreText(StoreKind.Sqlite, "", text);
        }

        if (scheme.Equals("memory", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("Store memory: takes nothing after it; write memory.");
        }

        if (scheme.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return argument.Length > 0
                ? new StoreText(StoreKind.Sqlite, scheme, argument)
                : throw new ArgumentException($"Store '{text}' has no path after sqlite:; for example sqlite:jobs.db.");
        }

        if (scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase) || scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            return argument.Trim().Length > 0
                ? new StoreText(StoreKind.Postgres, scheme, argument)
                : throw new ArgumentException($"Store '{text}' has no connection string; for example postgres:Host=db;Database=jobs.");
        }

        return new StoreText(StoreKind.Other, scheme, argument);
    }

    /// <summary>The message for a store whose scheme this program does not know.</summary>
    public string Unsupported() =>
        $"Store '{Scheme}:{Argument}' has the unknown scheme '{Scheme}:'; use sqlite:PATH, postgres:CONNECTION-STRING, memory, or a path " +
        $"(write ./{Scheme}:{Argument} for a file whose name has a colon).";

    /// <summary>The full path of a SQLite store: its argument, or <paramref name="defaultFile"/>, relative to <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ArgumentException">The path cannot be a file's path (a NUL in it, too long); the message names it.</exception>
    public string SqlitePath(string defaultFile, string baseDirectory)
    {
        string path = Argument is { } argument && argument.Trim().Length > 0 ? argument : defaultFile;
        try
        {
            return Path.GetFullPath(path, baseDirectory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ArgumentException($"Store '{(Scheme.Length > 0 ? Scheme + ":" : "")}{path}' is not a usable path: {e.Message}", e);
        }
    }

    /// <summary>A URI scheme: a letter, then letters, digits, '+', '-' or '.'.</summary>
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
}
