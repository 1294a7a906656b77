using Microsoft.Data.Sqlite;
using Quartz;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>How every scenario sets Quartz.NET up: the standalone factory with the in-memory store or the ADO.NET store on a SQLite file.</summary>
internal static class QuartzSetup
{
    /// <summary>
    /// Puts a new SQLite file in WAL mode. Quartz leaves the journal mode to the file: starting it in WAL, as the other stores run,
    /// keeps the race from being between journal modes. The synchronous level stays SQLite's default (FULL), which Quartz does not change.
    /// </summary>
    public static void UseWal(string path)
    {
        using var connection = new SqliteConnection("Data Source=" + path);
        connection.Open();
        using SqliteCommand wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode = WAL;";
        wal.ExecuteNonQuery();
    }

    /// <summary>A factory for a scheduler named <paramref name="instanceName"/>, in memory or (with <paramref name="sqlitePath"/>) on that file, its schema provisioned by Quartz.</summary>
    public static StandaloneSchedulerFactory Build(string instanceName, string? sqlitePath, int workers) => QuartzSchedulerBuilder.Create(quartz =>
    {
        quartz.ConfigureScheduler(options => options.InstanceName = instanceName);
        if (sqlitePath is null)
        {
            quartz.UseInMemoryStore();
        }
        else
        {
            quartz.UsePersistentStore(store =>
            {
                store.UseSqlite("Data Source=" + sqlitePath);
                store.ProvisionSchema();
            });
        }

        quartz.UseDefaultThreadPool(workers);
    }).Build();
}
