using System.Security.Cryptography;
using Codomyrmex.Scheduler.Cli.Jobs;
using Codomyrmex.Scheduler.Sqlite;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>A <c>schedctl jobs</c> command never creates, initialises or migrates a store, and one that fails changes no byte of it.</summary>
public sealed class JobsStoreFileTests
{
    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string file in new[] { "empty", "missing", "foreign", "garbage", "older-schema", "no-such-job" })
        {
            foreach (string command in new[] { "pause", "resume", "cancel", "delete", "run", "purge" })
            {
                cases.Add(file, command);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AJobsCommandThatFails_LeavesTheFileAsItWas(string file, string command)
    {
        using var folder = new TempFolder();
        string path = folder["e.db"];
        switch (file)
        {
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "foreign":
                using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
                {
                    connection.Open();
                    using SqliteCommand create = connection.CreateCommand();
                    create.CommandText = "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');";
                    create.ExecuteNonQuery();
                }

                break;
            case "garbage":
                File.WriteAllText(path, "not a database at all, but long enough to look like one's header.\n");
                break;
            case "older-schema":
                // A store of schema version 1, from before pausing: a read-write open would migrate it.
                new SqliteJobStore(path).Dispose();
                using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
                {
                    connection.Open();

                    // The columns' indexes first: SQLite refuses to drop a column an index uses.
                    var indexes = new List<string>();
                    using (SqliteCommand find = connection.CreateCommand())
                    {
                        find.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' " +
                            "AND (sql LIKE '%paused%' OR sql LIKE '%finished_at%')";
                        using SqliteDataReader reader = find.ExecuteReader();
                        while (reader.Read())
                        {
                            indexes.Add(reader.GetString(0));
                        }
                    }

                    using SqliteCommand downgrade = connection.CreateCommand();
                    downgrade.CommandText = string.Concat(indexes.Select(index => $"DROP INDEX \"{index}\"; ")) +
                        "ALTER TABLE jobs DROP COLUMN paused; ALTER TABLE jobs DROP COLUMN finished_at; " +
                        "PRAGMA user_version = 1; PRAGMA journal_mode = DELETE;";
                    downgrade.ExecuteNonQuery();
                }

                break;
            case "no-such-job":
                new SqliteJobStore(path).Dispose();
                break;
        }

        string? before = Hash(path);
        string[] args = command == "purge"
            ? ["jobs", "purge", "--finished", "--older-than", "0s", "--store", path]
            : ["jobs", command, "nosuch", "--store", path];
        Schedctl.Result result = await Schedctl.RunAsync(args);

        Assert.Equal(before, Hash(path));
        Assert.Equal(file == "missing", !File.Exists(path));
        Assert.False(File.Exists(path + "-wal") || File.Exists(path + "-shm"), "a -wal or -shm file was left");
        if (file == "no-such-job" && command == "purge")
        {
            // Nothing to purge is not a failure; it still writes nothing.
            Assert.True(result.ExitCode == 0, result.ToString());
            return;
        }

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("", result.Output);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("schedctl: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(file == "no-such-job" ? "nosuch" : path, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jobs", "list")]
    [InlineData("jobs", "pause", "tick")]
    [InlineData("run", "JOBS")]
    public async Task ADamagedStore_IsOneLine_InOneWording(params string[] command)
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """{ "jobs": [ { "name": "tick", "schedule": "@yearly", "command": ["true"] } ] }""");
        string path = folder["damaged.db"];
        await RunCommandEnvironmentTests.SeedAsync(path, new JobSpec { Name = "tick", Trigger = Triggers.Every(hours: 1), Command = ["true"] });
        long root;
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand find = connection.CreateCommand();
            find.CommandText = "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'jobs'";
            root = (long)find.ExecuteScalar()!;
        }

        using (FileStream file = File.OpenWrite(path))
        {
            // The jobs table's page (it holds one job, "tick") becomes noise. Opening checks the header and the schema only:
            // a damaged page is found by the first operation that reads it, and every one of these commands reads the job.
            file.Position = (root - 1) * 4096;
            file.Write(Enumerable.Repeat((byte)0xEE, 64).ToArray());
        }

        string before = Hash(path)!;
        Schedctl.Result result = await Schedctl.RunAsync([.. command.Select(a => a == "JOBS" ? folder["jobs.json"] : a), "--store", path]);

        Assert.True(result.ExitCode == 1, result.ToString());
        if (command[0] != "run")
        {
            // (A run takes its runner lock in the file before it reads the jobs, and gives it back as it stops: the file's
            // bytes change though the failed read changed nothing.)
            Assert.Equal(before, Hash(path));
        }

        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"schedctl: store {path}: The job store '{path}' is damaged (", line, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task AStoreOfRoot_StoppedCleanly_InAFolderNobodyMayWrite_IsReadByNobody()
    {
        using var folder = new TempFolder();
        folder.Write("jobs.json", """{ "jobs": [ { "name": "tick", "schedule": "@yearly", "command": ["true"] } ] }""");
        await using (RunningSchedctl run = RunningSchedctl.Start(folder.Path, "run", "jobs.json", "--store", "sqlite:state.db"))
        {
            await run.WaitForErrorAsync("SIGINT or SIGTERM stops");
            await run.SignalAsync("TERM");
            Assert.Equal(0, await run.ExitCodeAsync());
        }

        string path = folder["state.db"];
        Assert.False(File.Exists(path + "-wal"), "the scheduler left a -wal file");
        File.SetUnixFileMode(folder.Path, (UnixFileMode)0b111_101_101);
        foreach (string file in Directory.EnumerateFiles(folder.Path))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }

        string before = Hash(path)!;
        (int exit, string output, string error) = await AsNobodyAsync(folder.Path, "jobs", "list", "--store", path);
        Assert.True(exit == 0, error);
        Assert.Contains(output.Split('\n'), line => line.StartsWith("tick ", StringComparison.Ordinal));
        Assert.Equal(before, Hash(path));
        Assert.False(File.Exists(path + "-shm"));

        // A -wal file says a scheduler has the file open: then a reader needs the -shm file, which nobody may not create
        // here, and the error is worded for a reader.
        File.WriteAllBytes(path + "-wal", []);
        (exit, _, error) = await AsNobodyAsync(folder.Path, "jobs", "list", "--store", path);
        Assert.Equal(1, exit);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"schedctl: store {path}: The job store '{path}' cannot be read by this process", line, StringComparison.Ordinal);
        Assert.DoesNotContain("must write", line, StringComparison.Ordinal);
        Assert.Equal(before, Hash(path));
    }

    /// <summary>Runs the built schedctl as the user nobody (setpriv), in <paramref name="folder"/>.</summary>
    private static async Task<(int Exit, string Output, string Error)> AsNobodyAsync(string folder, params string[] args)
    {
        System.Diagnostics.ProcessStartInfo start = Schedctl.StartInfo(args, folder);
        string[] asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", start.FileName];
        for (int i = asNobody.Length - 1; i >= 0; i--)
        {
            start.ArgumentList.Insert(0, asNobody[i]);
        }

        start.FileName = "setpriv";
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, error);
    }

    private static string? Hash(string path) => File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : null;
}
