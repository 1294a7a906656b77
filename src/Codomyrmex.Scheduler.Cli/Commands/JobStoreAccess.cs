using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Codomyrmex.Scheduler.Shared;
using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>Opens the store of a <c>schedctl jobs</c> command and finds a job in it by name or id.</summary>
internal static class JobStoreAccess
{
    /// <summary>An error the command reports as one line on stderr (and maybe a hint), exiting with <see cref="ExitCodes.InvalidInput"/>.</summary>
    public sealed class Failure(string message, string? hint = null) : Exception(message)
    {
        public string? Hint { get; } = hint;
    }

    /// <summary>
    /// Opens an existing store: a SQLite file or a PostgreSQL database's store, never creating, initialising or migrating it
    /// (a jobs command never makes or upgrades a store). A SQLite store is opened without taking its dispatch lock, so it
    /// may share the file with a running <c>schedctl run</c>; read-only, it never writes the file (and works on one this
    /// user may not write). A <paramref name="live"/> store sees the changes other processes make (SQLite polls, PostgreSQL
    /// listens); otherwise it reads or writes once.
    /// </summary>
    /// <exception cref="Failure">The store is not an existing store, or cannot be opened or reached.</exception>
    public static async Task<OpenStore> OpenAsync(string storeText, bool readOnly, bool live, CancellationToken cancellationToken)
    {
        StoreText store;
        string? path;
        try
        {
            store = StoreText.Parse(storeText);
            path = store.Kind == StoreKind.Postgres ? null : StoreOption.Parse(storeText);
        }
        catch (ArgumentException e)
        {
            // The same words as `schedctl run` for stores it does not know (a typo).
            throw new Failure(e.Message);
        }

        if (store.Kind == StoreKind.Postgres)
        {
            try
            {
                return await StoreOption.OpenPostgresAsync(store, listen: live, mustExist: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new Failure(StoreOption.Failure(storeText, e.Message));
            }
        }

        if (path is null)
        {
            throw new Failure("the memory store keeps nothing between commands; this command needs the store of a schedctl run, sqlite:PATH or " +
                "postgres:CONNECTION-STRING.");
        }

        return new OpenStore(Open(storeText, path, readOnly, live));
    }

    /// <summary>Opens an existing SQLite store (see <see cref="OpenAsync"/>).</summary>
    /// <exception cref="Failure">The file does not exist, is not a store of this version, or cannot be opened.</exception>
    private static SqliteJobStore Open(string storeText, string path, bool readOnly, bool live)
    {
        if (!File.Exists(path))
        {
            throw new Failure($"no store at {path}.", "A store is made by 'schedctl run FILE --store sqlite:PATH'; check --store or $" +
                StoreOption.EnvironmentVariable + ".");
        }

        try
        {
            StoreOption.RefuseSpecialFile(path);
            if (!readOnly)
            {
                // A read-write open creates the schema of an empty file and migrates an older one. A jobs command never
                // makes or upgrades a store, so the file must first pass as a store of this version read-only, which
                // refuses (and leaves alone) anything else.
                new SqliteJobStore(Options(path, readOnly: true, live: false)).Dispose();
            }

            return new SqliteJobStore(Options(path, readOnly, live));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new Failure(StoreOption.Failure(storeText, e.Message));
        }
    }

    /// <summary>No change polling unless the store is <paramref name="live"/>: a jobs command reads or writes once and exits.</summary>
    private static SqliteJobStoreOptions Options(string path, bool readOnly, bool live) =>
        live ? new() { Path = path, ReadOnly = readOnly } : new() { Path = path, PollInterval = Timeout.InfiniteTimeSpan, ReadOnly = readOnly };

    /// <summary>How many ids of the live jobs that share a name an ambiguous name lists.</summary>
    private const int AmbiguousListed = 10;

    /// <summary>How many times a name is looked up, at most, waiting for two lookups in a row to agree.</summary>
    private const int MaxLiveReads = 4;

    /// <summary>The statuses of jobs that may still run: a name finds the one such job that has it.</summary>
    private static readonly JobStatus[] LiveStatuses = [JobStatus.Pending, JobStatus.Running, JobStatus.Completed, JobStatus.Failed];

    /// <summary>
    /// Finds a job: by name among jobs that are not cancelled, then by id, then the latest cancelled job of that name (so that
    /// <c>show</c>, <c>history</c> and a second <c>cancel</c> still find a job that was cancelled or removed from its file).
    /// </summary>
    /// <remarks>
    /// The store is asked by name and status (one indexed lookup each), never for every job, and reads at most a few jobs even
    /// when a million share the name.
    /// </remarks>
    /// <exception cref="Failure">No job has that name or id, or several live jobs share the name.</exception>
    public static async Task<Job> FindAsync(IJobStore store, string storeText, string nameOrId, CancellationToken cancellationToken)
    {
        (List<Job> live, long liveTotal) = await ReadLiveAsync(store, nameOrId, cancellationToken).ConfigureAwait(false);
        for (int read = 1; read < MaxLiveReads; read++)
        {
            // One status at a time is not one snapshot: a job whose status changes between two lookups (a run starts or ends
            // while schedctl run is live) is seen twice or not at all. Read again until two reads agree.
            (List<Job> again, long againTotal) = await ReadLiveAsync(store, nameOrId, cancellationToken).ConfigureAwait(false);
            bool agree = againTotal == liveTotal && again.Select(j => j.Id).Order(StringComparer.Ordinal)
                .SequenceEqual(live.Select(j => j.Id).Order(StringComparer.Ordinal), StringComparer.Ordinal);
            (live, liveTotal) = (again, againTotal);
            if (agree)
            {
                break;
            }
        }

        if (liveTotal > 1)
        {
            Job[] listed = [.. live.OrderBy(j => j.CreatedAt).Take(AmbiguousListed)];
            string more = liveTotal > listed.Length ? string.Create(CultureInfo.InvariantCulture, $" and {liveTotal - listed.Length:N0} more") : "";
            throw new Failure(string.Create(CultureInfo.InvariantCulture,
                $"{liveTotal:N0} jobs are named '{nameOrId}' (ids {string.Join(", ", listed.Select(j => j.Id))}{more}); give the id."));
        }

        return live.FirstOrDefault()
            ?? await store.GetAsync(nameOrId, cancellationToken).ConfigureAwait(false)
            ?? await LastCancelledAsync(store, nameOrId, cancellationToken).ConfigureAwait(false)
            ?? throw new Failure($"no job named or with id '{nameOrId}' in {StoreOption.Shown(storeText)}.",
                $"Run 'schedctl jobs list --store {StoreOption.Shown(storeText)}' to see the jobs.");
    }

    /// <summary>
    /// The jobs of that name that are not cancelled (at most <see cref="AmbiguousListed"/> per status, each once) and how many
    /// there are: one indexed lookup per status; a job seen under two statuses (it changed between the lookups) counts once.
    /// </summary>
    private static async Task<(List<Job> Live, long Total)> ReadLiveAsync(IJobStore store, string name, CancellationToken cancellationToken)
    {
        var live = new List<Job>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (JobStatus status in LiveStatuses)
        {
            JobPage page = await store.ListAsync(new JobQuery { Name = name, Status = status, Limit = AmbiguousListed }, cancellationToken)
                .ConfigureAwait(false);
            total += page.Total;
            foreach (Job job in page.Items)
            {
                if (!ids.Add(job.Id))
                {
                    total--;
                }
                else
                {
                    live.Add(job);
                }
            }
        }

        return (live, total);
    }

    /// <summary>The cancelled job of that name added last, or <see langword="null"/>.</summary>
    private static async Task<Job?> LastCancelledAsync(IJobStore store, string name, CancellationToken cancellationToken)
    {
        var cancelled = new JobQuery { Name = name, Status = JobStatus.Cancelled };
        int total = (await store.ListAsync(cancelled with { Limit = 0 }, cancellationToken).ConfigureAwait(false)).Total;
        return total == 0 ? null
            : (await store.ListAsync(cancelled with { Offset = total - 1, Limit = 1 }, cancellationToken).ConfigureAwait(false)).Items is [.., Job last] ? last : null;
    }

    /// <summary>Runs a jobs command that only reads, on the store opened read-only: a <see cref="Failure"/> becomes one line on stderr and exit code 1.</summary>
    public static Task<int> ReadAsync(InvocationConfiguration console, string storeText, Func<IJobStore, Task<int>> action) =>
        RunAsync(console, storeText, action, readOnly: true);

    /// <summary>Runs a jobs command on the store: a <see cref="Failure"/> becomes one line on stderr and exit code 1.</summary>
    /// <remarks>A <paramref name="live"/> store sees the changes other processes make (the dashboard's); see <see cref="OpenAsync"/>.</remarks>
    public static async Task<int> RunAsync(InvocationConfiguration console, string storeText, Func<IJobStore, Task<int>> action, bool readOnly = false,
        bool live = false)
    {
        try
        {
            // Not cancellable: a database that does not answer is reported when the connection's timeout runs out.
            OpenStore store = await OpenAsync(storeText, readOnly, live, CancellationToken.None).ConfigureAwait(false);
            await using ConfiguredAsyncDisposable disposeStore = store.ConfigureAwait(false);
            return await action(store.Store).ConfigureAwait(false);
        }
        catch (Failure failure)
        {
            await console.Error.WriteLineAsync("schedctl: " + failure.Message).ConfigureAwait(false);
            if (failure.Hint is { } hint)
            {
                await console.Error.WriteLineAsync(hint).ConfigureAwait(false);
            }

            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or IOException)
        {
            // The file changed under us, is locked past the busy timeout, or is not ours; the database went away.
            string message = e is Npgsql.NpgsqlException && StoreText.Parse(storeText).Argument is { } connectionString
                ? PostgresTarget.Read(connectionString).Explain(e)
                : e.Message;
            await console.Error.WriteLineAsync("schedctl: " + StoreOption.Failure(storeText, message)).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
    }
}
