using System.CommandLine;
using Codomyrmex.Scheduler.Shared;
using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>The <c>--store</c> option, the same on every command that uses a store: <c>sqlite:PATH</c> or a bare path (the default), or <c>memory</c>.</summary>
internal static class StoreOption
{
    /// <summary>The environment variable that sets the store when <c>--store</c> is not given.</summary>
    public const string EnvironmentVariable = "SCHEDCTL_STORE";

    /// <summary>The store when neither <c>--store</c> nor <see cref="EnvironmentVariable"/> says otherwise.</summary>
    public const string Default = "sqlite:" + DefaultFile;

    /// <summary>The SQLite file of <c>sqlite</c> without a path, and of the default store.</summary>
    public const string DefaultFile = "schedctl.db";

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
    /// Reads a store's text with the one parser of store strings that the hosting configuration shares: <c>memory</c> (null is
    /// returned), or the full path of a SQLite file given as <c>sqlite:PATH</c>, <c>sqlite</c> (<c>schedctl.db</c>) or a bare path
    /// (<c>jobs.db</c>, <c>./x.db</c>, <c>/var/lib/schedctl.db</c>, <c>C:\x.db</c>), relative to the current folder.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The text is empty, <c>sqlite:</c> without a path, a scheme this version does not support (<c>postgres:</c>), or an
    /// unknown scheme (<c>mysql:...</c>); the message names it and the forms that work.
    /// </exception>
    public static string? Parse(string text)
    {
        StoreText store = StoreText.Parse(text);
        return store.Kind switch
        {
            StoreKind.Memory => null,
            StoreKind.Sqlite => store.SqlitePath(DefaultFile, Directory.GetCurrentDirectory()),
            _ => throw new ArgumentException(store.Unsupported("schedctl")),
        };
    }
}
