using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>What is special about a file: it survives a reopen, and every way it can be wrong is a clear error that changes nothing.</summary>
public sealed class SqliteJobStoreFileTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    internal static SqliteJobStore Open(string path, TimeProvider? time = null) =>
        new(new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan, TimeProvider = time ?? TimeProvider.System });

    internal static Job TaskJob(string id, Trigger? trigger = null, DateTimeOffset? firstRun = null) => new()
    {
        Id = id,
        Name = "job-" + id,
        Task = "task",
        Trigger = trigger,
        CreatedAt = T0,
        NextRun = firstRun ?? trigger?.GetNextRun(T0) ?? T0,
    };

    internal static SqliteConnection Raw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Claim_AJobWhoseStoredTriggerIsDamaged_FailsThatJob_AndClaimsTheOthers()
    {
        string path = _folder.NewPath();
        var everyMinute = new IntervalTrigger(TimeSpan.FromMinutes(1), T0);
        using (SqliteJobStore store = Open(path))
        {
            await store.AddAsync(TaskJob("0000000000001", everyMinute), Token);
            await store.AddAsync(TaskJob("0000000000002", everyMinute), Token);
        }

        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "UPDATE jobs SET trigger = '{\"type\":\"weekly\"}' WHERE id = '0000000000001';");
        }

        using (SqliteJobStore store = Open(path))
        {
            ClaimBatch batch = await store.ClaimDueAsync(T0.AddMinutes(1), 10, "node", T0.AddMinutes(5), Token);
            Assert.Equal("0000000000002", Assert.Single(batch.Runs).Job.Id);
            Job damaged = (await store.GetAsync("0000000000001", Token))!;
            Assert.Equal(JobStatus.Failed, damaged.Status);
            Assert.Null(damaged.NextRun);
            Assert.Contains("cannot be read", damaged.Error, StringComparison.Ordinal);
            Assert.Contains("unknown type \"weekly\"", damaged.Error, StringComparison.Ordinal);
            Assert.Equal(2, (await store.ListAsync(default, Token)).Items.Count);
        }
    }

    /// <summary>The file's run history, oldest first, read through a new store (which does not dispatch, so it may share the file).</summary>
    internal static async Task<List<RunRecord>> HistoryAsync(string path)
    {
        using SqliteJobStore store = Open(path);
        RunPage page = await store.GetRunsAsync(default, Token);
        return [.. page.Items.Reverse()];
    }

    [Fact]
    public async Task Reopen_KeepsJobsCountersNextRunHistoryAndInterruptsTheRunInProgress()
    {
        string path = _folder.NewPath();
        var options = new JobOptions { Overlap = OverlapPolicy.Queue, MaxAttempts = 3, Timeout = TimeSpan.FromSeconds(30), Recoverable = true };
        Job job = TaskJob("0000000000001", new IntervalTrigger(TimeSpan.FromMinutes(1), T0)) with
        {
            Args = ["/tmp", 3, new JsonObject { ["deep"] = new JsonArray(1, 2) }],
            Kwargs = new Dictionary<string, object?> { ["verbose"] = true, ["name"] = null },
            MaxRuns = 10,
            Options = options,
            Source = "jobs.json",
        };
        Job busy = TaskJob("0000000000002", firstRun: T0.AddMinutes(1));
        Job cancelled = TaskJob("0000000000003", firstRun: T0.AddHours(1));
        Job before;
        string inFlight;
        using (SqliteJobStore store = Open(path))
        {
            await store.AddAsync(job, Token);
            await store.AddAsync(busy, Token);
            await store.AddAsync(cancelled, Token);
            await store.CancelAsync(cancelled.Id, Token);
            ClaimBatch batch = await store.ClaimDueAsync(T0.AddMinutes(1), 10, "node-a", T0.AddMinutes(5), Token);
            Assert.Equal(2, batch.Runs.Count);
            ClaimedRun run = batch.Runs.Single(r => r.Job.Id == job.Id);
            inFlight = batch.Runs.Single(r => r.Job.Id == busy.Id).RunId;
            Job completed = (await store.CompleteRunAsync(
                new RunCompletion(run, RunOutcome.Succeeded, T0.AddMinutes(1), T0.AddMinutes(1).AddSeconds(2), new JsonObject { ["n"] = 1 }), Token))!;
            Assert.Equal("{\"n\":1}", ((JsonNode)completed.Result!).ToJsonString());
            before = (await store.GetAsync(job.Id, Token))!;
        }

        using (SqliteJobStore store = Open(path))
        {
            Job after = (await store.GetAsync(job.Id, Token))!;
            Assert.Equal(before.Name, after.Name);
            Assert.Equal("task", after.Task);
            Assert.Equal("[\"/tmp\",3,{\"deep\":[1,2]}]", new JsonArray([.. after.Args.Select(a => ((JsonNode?)a)?.DeepClone())]).ToJsonString());
            Assert.True(((JsonNode)after.Kwargs["verbose"]!).GetValue<bool>());
            Assert.Null(after.Kwargs["name"]);
            Assert.Equal(TimeSpan.FromMinutes(1), Assert.IsType<IntervalTrigger>(after.Trigger).Interval);
            Assert.Equal(T0, ((IntervalTrigger)after.Trigger!).StartTime);
            Assert.Equal(JobStatus.Pending, after.Status);
            Assert.Equal(T0, after.CreatedAt);
            Assert.Equal(T0.AddMinutes(1), after.LastRun);
            Assert.Equal(T0.AddMinutes(2), after.NextRun);
            Assert.Equal(1, after.RunCount);
            Assert.Equal(10, after.MaxRuns);
            Assert.Equal("{\"n\":1}", ((JsonNode)after.Result!).ToJsonString());
            Assert.Null(after.Error);
            Assert.Equal(TimeSpan.FromSeconds(2), after.LastDuration);
            Assert.Equal(options, after.Options);
            Assert.Equal("jobs.json", after.Source);
            Assert.Equal(before.Version, after.Version);
            Assert.Equal(JobStatus.Cancelled, (await store.GetAsync(cancelled.Id, Token))!.Status);
            Assert.Equal(JobStatus.Running, (await store.GetAsync(busy.Id, Token))!.Status);
            Assert.Equal(T0.AddMinutes(2), await store.NextDueAsync(Token));

            // The run that was in progress belonged to the process before: it is lost, whatever its lease says.
            IReadOnlyList<ClaimedRun> lost = await store.RecoverExpiredAsync(T0.AddMinutes(2), Token);
            Assert.Equal(inFlight, Assert.Single(lost).RunId);
            Job interrupted = (await store.GetAsync(busy.Id, Token))!;
            Assert.Equal(JobStatus.Failed, interrupted.Status);
            Assert.StartsWith("Interrupted", interrupted.Error, StringComparison.Ordinal);
        }

        List<RunRecord> history = await HistoryAsync(path);
        Assert.Equal([RunOutcome.Succeeded, RunOutcome.Interrupted], history.Select(h => h.Outcome));
        Assert.Equal("{\"n\":1}", history[0].Result);
        Assert.Equal(TimeSpan.FromSeconds(2), history[0].Duration);
        Assert.Equal(inFlight, history[1].RunId);
    }

    [Fact]
    public async Task Add_DelegateJob_IsRefusedWithWhatToDo()
    {
        using SqliteJobStore store = Open(_folder.NewPath());
        Job job = TaskJob("0000000000001") with { Task = null, Func = () => { } };
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddAsync(job, Token));
        Assert.Contains("RegisterTask", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changed_IsRaisedWhenAnotherStoreChangesTheFile_AtTheNextPoll()
    {
        string path = _folder.NewPath();
        var clock = new FakeTimeProvider(T0);
        using var watcher = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, TimeProvider = clock, PollInterval = TimeSpan.FromSeconds(1) });
        using SqliteJobStore other = Open(path);
        int changes = 0;
        watcher.Changed += (_, _) => Interlocked.Increment(ref changes);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, changes);
        await other.AddAsync(TaskJob("0000000000001"), Token);
        Assert.Equal(0, changes);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, changes);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, changes);
    }

    [Fact]
    public void Open_NewerSchema_IsAnErrorThatChangesNothing()
    {
        string path = _folder.NewPath();
        Open(path).Dispose();
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "PRAGMA user_version = 99;");
        }

        string hash = Hash(path);
        var error = Assert.Throws<InvalidOperationException>(() => Open(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade", error.Message, StringComparison.Ordinal);
        Assert.Equal(hash, Hash(path));
    }

    [Fact]
    public void Open_AnotherProgramsDatabase_IsAnErrorThatChangesNothing()
    {
        string path = _folder.NewPath();
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');");
        }

        string hash = Hash(path);
        var error = Assert.Throws<InvalidOperationException>(() => Open(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("another program", error.Message, StringComparison.Ordinal);
        Assert.Equal(hash, Hash(path));
        Assert.False(File.Exists(path + "-wal"));
    }

    [Fact]
    public void Open_AFileThatIsNotADatabase_IsAnErrorThatChangesNothing()
    {
        string path = _folder.NewPath();
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("these are my notes, not a database\n", 200)));
        string hash = Hash(path);
        var error = Assert.Throws<InvalidOperationException>(() => Open(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Equal(hash, Hash(path));
    }

    [Fact]
    public void Open_ALockedFile_IsAnErrorAfterTheBusyTimeout()
    {
        string path = _folder.NewPath();
        using SqliteConnection raw = Raw(path);
        Execute(raw, "BEGIN EXCLUSIVE;");
        var error = Assert.Throws<InvalidOperationException>(() =>
            new SqliteJobStore(new SqliteJobStoreOptions { Path = path, BusyTimeout = TimeSpan.FromSeconds(1), PollInterval = Timeout.InfiniteTimeSpan }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("locked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AReadOnlyFile_IsAnError()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes and chattr.");
        }

        string path = _folder.NewPath();
        Open(path).Dispose();
#pragma warning disable CA1416 // Not Windows: skipped above.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
#pragma warning restore CA1416
        bool immutable = Environment.UserName == "root" && Chattr("+i", path);
        if (Environment.UserName == "root" && !immutable)
        {
            Assert.Skip("Running as root on a file system without chattr +i: no file is read-only for root.");
        }

        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => Open(path));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (immutable)
            {
                Chattr("-i", path);
            }
        }
    }

    [Fact]
    public void Open_AFolderThatDoesNotExist_IsAnErrorNamingIt()
    {
        string path = Path.Combine(_folder.Path, "missing", "jobs.db");
        var error = Assert.Throws<InvalidOperationException>(() => Open(path));
        Assert.Contains(Path.Combine(_folder.Path, "missing"), error.Message, StringComparison.Ordinal);
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
