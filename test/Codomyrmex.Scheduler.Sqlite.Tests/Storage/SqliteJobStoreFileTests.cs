using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;
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

    /// <summary>Opens a store on the file whose clock is <paramref name="time"/>, or a clock standing at <see cref="T0"/>.</summary>
    internal static SqliteJobStore Open(string path, TimeProvider? time = null) =>
        new(new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan, TimeProvider = time ?? new FakeTimeProvider(T0) });

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

    /// <summary>Turns a store of the current schema back into what version 2 wrote (no fencing, nodes, change log, instance ids, name indexes, counts).</summary>
    internal static void DowngradeToVersion2(string path)
    {
        using SqliteConnection raw = Raw(path);
        Execute(raw, """
            DROP TRIGGER jobs_counted_insert; DROP TRIGGER jobs_counted_delete; DROP TRIGGER jobs_counted_status; DROP TABLE job_counts;
            DROP INDEX jobs_name; DROP INDEX jobs_source;
            DROP INDEX jobs_declared; DROP INDEX jobs_finished; DROP TABLE changes; DROP TABLE nodes; DROP TABLE counters;
            ALTER TABLE runs DROP COLUMN instance_id;
            DROP INDEX claims_instance;
            ALTER TABLE claims DROP COLUMN fencing_token; ALTER TABLE claims DROP COLUMN node_name;
            ALTER TABLE claims RENAME COLUMN instance_id TO node;
            CREATE INDEX claims_node ON claims (node);
            PRAGMA user_version = 2;
            """);
    }

    [Fact]
    public async Task Open_AVersion2File_UpgradesKeepingJobsAndClaims_AndCancelsLiveDuplicateDeclaredJobsButTheFirst()
    {
        string path = _folder.NewPath();
        var clock = new FakeTimeProvider(T0);
        ClaimedRun held;
        using (SqliteJobStore store = Open(path, clock))
        {
            await store.AddAsync(TaskJob("0000000000001") with { Source = "jobs.json", Name = "backup", Options = new JobOptions { Recoverable = true } }, Token);
            await store.AddAsync(TaskJob("0000000000002", firstRun: T0.AddHours(1)) with { Source = "jobs.json", Name = "backup-2" }, Token);
            await store.AddAsync(TaskJob("0000000000003", firstRun: T0.AddHours(1)) with { Source = "jobs.json", Name = "report" }, Token);
            held = Assert.Single((await store.ClaimDueAsync(10, "node-a", TimeSpan.FromDays(1), Token)).Runs);
        }

        // Version 2 had no unique declared jobs: two hosts could both add "backup".
        DowngradeToVersion2(path);
        using (SqliteConnection raw = Raw(path))
        {
            Execute(raw, "UPDATE jobs SET name = 'backup' WHERE id = '0000000000002'; UPDATE claims SET node = 'node-a';");
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        using (SqliteJobStore store = Open(path, clock))
        {
            Job first = (await store.GetAsync("0000000000001", Token))!;
            Job duplicate = (await store.GetAsync("0000000000002", Token))!;
            Assert.Equal(JobStatus.Running, first.Status);
            Assert.Equal(JobStatus.Cancelled, duplicate.Status);
            Assert.Equal(T0.AddMinutes(1), duplicate.FinishedAt);
            Assert.Contains("same source and name", duplicate.Error, StringComparison.Ordinal);
            Assert.Equal(JobStatus.Pending, (await store.GetAsync("0000000000003", Token))!.Status);

            // The counts per status start from the jobs as the upgrade left them.
            JobCounts counts = await store.CountAsync(Token);
            Assert.Equal((1L, 1L, 1L, 3L), (counts.Pending, counts.Running, counts.Cancelled, counts.Total));

            // The claim of version 2 is kept, held by its old node name, and recovered as the run of a process that ended.
            ClaimedRun lost = Assert.Single(await store.RecoverExpiredAsync(Token));
            Assert.Equal((held.RunId, "node-a", "node-a"), (lost.RunId, lost.InstanceId, lost.NodeName));

            // The new parts work: fencing tokens, one live job per declared name, nodes.
            Assert.False((await store.AddAsync(TaskJob("0000000000004") with { Source = "jobs.json", Name = "report" }, Token)).Added);
            ClaimedRun again = Assert.Single((await store.ClaimDueAsync(10, "node-b", TimeSpan.FromMinutes(5), Token)).Runs);
            Assert.Equal((held.Job.Id, true, 1L), (again.Job.Id, again.IsRecovery, again.FencingToken));
            await store.RenewAsync(new NodeHeartbeat { Node = StoreCalls.Node("node-b") }, Token);
            Assert.Equal("node-b/1", Assert.Single(await store.ListNodesAsync(Token)).InstanceId);
        }

        using SqliteConnection after = Raw(path);
        using SqliteCommand version = after.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal(4L, version.ExecuteScalar());
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

        using (SqliteJobStore store = Open(path, new FakeTimeProvider(T0.AddMinutes(1))))
        {
            ClaimBatch batch = await store.ClaimDueAsync(10, "node", TimeSpan.FromMinutes(4), Token);
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
        var clock = new FakeTimeProvider(T0);
        using (SqliteJobStore store = Open(path, clock))
        {
            await store.AddAsync(job, Token);
            await store.AddAsync(busy, Token);
            await store.AddAsync(cancelled, Token);
            await store.CancelAsync(cancelled.Id, Token);
            clock.Advance(TimeSpan.FromMinutes(1));
            ClaimBatch batch = await store.ClaimDueAsync(10, "node-a", TimeSpan.FromMinutes(4), Token);
            Assert.Equal(2, batch.Runs.Count);
            ClaimedRun run = batch.Runs.Single(r => r.Job.Id == job.Id);
            inFlight = batch.Runs.Single(r => r.Job.Id == busy.Id).RunId;
            Job completed = (await store.CompleteAsync(run, RunOutcome.Succeeded, T0.AddMinutes(1), T0.AddMinutes(1).AddSeconds(2), new JsonObject { ["n"] = 1 }, Token))!;
            Assert.Equal("{\"n\":1}", ((JsonNode)completed.Result!).ToJsonString());
            before = (await store.GetAsync(job.Id, Token))!;
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        using (SqliteJobStore store = Open(path, clock))
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
            IReadOnlyList<ClaimedRun> lost = await store.RecoverExpiredAsync(Token);
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
    public async Task Changed_IsRaisedWithTheJobId_WhenAnotherStoreChangesTheFile_AtTheNextPoll_AndOnlyOnce()
    {
        string path = _folder.NewPath();
        var clock = new FakeTimeProvider(T0);
        using var watcher = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, TimeProvider = clock, PollInterval = TimeSpan.FromSeconds(1) });
        using SqliteJobStore other = Open(path, clock);
        var changes = new List<JobStoreChange>();
        watcher.Changed += (_, change) =>
        {
            lock (changes)
            {
                changes.Add(change);
            }
        };
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(changes);
        await other.AddAsync(TaskJob("0000000000001", firstRun: T0.AddHours(1)), Token);
        await other.CancelAsync("0000000000001", Token);
        Assert.Empty(changes);
        clock.Advance(TimeSpan.FromSeconds(1));

        // The add is not logged (it left nothing due: the job is cancelled); the cancel is, with the job's id.
        Assert.Equal([(JobStoreChangeKind.Cancelled, "0000000000001", (DateTimeOffset?)null)], changes.Select(c => (c.Kind, c.JobId, c.DueAt)));

        // Another instance's add is raised as the earliest due time, without a job id; its own changes it raises at once, and
        // the poll raises neither its own again nor the others' twice.
        await other.AddAsync(TaskJob("0000000000002", firstRun: T0.AddHours(1)), Token);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((JobStoreChangeKind.Added, null, (DateTimeOffset?)T0.AddHours(1)), (changes[^1].Kind, changes[^1].JobId, changes[^1].DueAt));
        await watcher.SetPausedAsync("0000000000002", paused: true, Token);
        Assert.Equal(JobStoreChangeKind.Paused, changes[^1].Kind);
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([JobStoreChangeKind.Cancelled, JobStoreChangeKind.Added, JobStoreChangeKind.Paused], changes.Select(c => c.Kind));
    }

    [Fact]
    public async Task Changed_ACancelFromAnotherProcess_IsRaisedInTheDispatchingStore_WithTheJobId_AtItsNextPoll()
    {
        string path = _folder.NewPath();
        var clock = new FakeTimeProvider(T0);
        using var runner = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, TimeProvider = clock, PollInterval = TimeSpan.FromSeconds(1) });
        await runner.AddAsync(TaskJob("0000000000001", new IntervalTrigger(TimeSpan.FromMinutes(1), T0)), Token);
        clock.Advance(TimeSpan.FromMinutes(1));
        ClaimedRun running = Assert.Single((await runner.ClaimDueAsync(1, "runner", TimeSpan.FromMinutes(5), Token)).Runs);
        var changes = new List<JobStoreChange>();
        runner.Changed += (_, change) => changes.Add(change);

        // schedctl jobs cancel: another process, its own connection, its own clock.
        using (var child = TestHost.Start("cancel", path, running.Job.Id))
        {
            await child.WaitForLineAsync("cancelled", Token);
            await child.Process.WaitForExitAsync(Token);
        }

        Assert.Empty(changes);
        clock.Advance(TimeSpan.FromSeconds(1));
        JobStoreChange cancelled = Assert.Single(changes);
        Assert.Equal((JobStoreChangeKind.Cancelled, running.Job.Id), (cancelled.Kind, cancelled.JobId));

        // The run in progress is still the runner's to finish and record.
        Assert.Equal(JobStatus.Cancelled, (await runner.CompleteAsync(running, RunOutcome.Succeeded, T0.AddMinutes(1), T0.AddMinutes(1), null, Token))!.Status);
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
