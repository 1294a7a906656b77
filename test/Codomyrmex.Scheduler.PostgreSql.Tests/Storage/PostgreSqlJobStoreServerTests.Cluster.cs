using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>Several nodes on one schema: roles that may only read, a run-now racing a declaration, and one node waking another.</summary>
public sealed partial class PostgreSqlJobStoreServerTests
{
    [Fact]
    public async Task Open_RoleThatMayOnlyRead_OnACurrentSchema_ReadsWithoutRunningDdl()
    {
        string schema = NewSchema();
        PostgreSqlJobStore owner = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        Job job = NewJob();
        await owner.AddAsync(job, Token);
        await using ReadOnlyRole role = await ReadOnlyRole.CreateAsync(schema);

        PostgreSqlJobStore reader = Open(role.NewDataSource(), new PostgreSqlJobStoreOptions { Schema = schema });
        await reader.MigrateAsync(Token);

        Assert.Equal(job.Name, (await reader.GetAsync(job.Id, Token))?.Name);
        Assert.Equal(1, (await reader.ListAsync(default, Token)).Total);
        Assert.Empty(await reader.ListNodesAsync(Token));

        // The role really may not write: the store is read-only under it, not by luck.
        var refused = await Assert.ThrowsAsync<PostgresException>(async () => await reader.AddAsync(NewJob(), Token));
        Assert.Equal("42501", refused.SqlState);
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task Open_RoleThatMayNotMigrate_OnAnOlderSchema_SaysWhichVersionAndWhatToDo()
    {
        string schema = NewSchema();
        await Open(new PostgreSqlJobStoreOptions { Schema = schema }).MigrateAsync(Token);
        int older = StoreSchema.CurrentVersion - 1;
        await using (NpgsqlCommand age = PostgresServer.Admin.CreateCommand($"UPDATE \"{schema}\".schema_version SET version = {older}"))
        {
            await age.ExecuteNonQueryAsync(Token);
        }

        await using ReadOnlyRole role = await ReadOnlyRole.CreateAsync(schema);
        PostgreSqlJobStore reader = Open(role.NewDataSource(), new PostgreSqlJobStoreOptions { Schema = schema });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => reader.GetAsync("x", Token).AsTask());
        Assert.Contains($"'{schema}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"version {older}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"role '{role.Name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MigrateAsync", error.Message, StringComparison.Ordinal);
        Assert.Equal("42501", Assert.IsType<PostgresException>(error.InnerException).SqlState);
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task Open_RoleThatMayNotCreate_OnAnEmptySchemaName_SaysWhatToDo()
    {
        string schema = NewSchema();
        await using ReadOnlyRole role = await ReadOnlyRole.CreateAsync(schema: null);
        PostgreSqlJobStore reader = Open(role.NewDataSource(), new PostgreSqlJobStoreOptions { Schema = schema });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => reader.MigrateAsync(Token));
        Assert.Contains($"'{schema}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("version 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("001_initial.sql", error.Message, StringComparison.Ordinal);
        await reader.DisposeAsync();
    }

    [Fact]
    public void Schema_Scripts_AreNumberedFromOneWithoutGaps()
    {
        Assert.Equal(StoreSchema.CurrentVersion, StoreSchema.Scripts.Count);
        for (int i = 0; i < StoreSchema.Scripts.Count; i++)
        {
            Assert.StartsWith($"{i + 1:000}_", StoreSchema.Scripts[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ClaimNow_FinishedDeclaredJob_WhileAnotherOfItsNameBecomesLive_IsRefusedAsANameTaken()
    {
        string schema = NewSchema();
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        Job first = NewJob() with { Source = "jobs.json", Name = "backup", Status = JobStatus.Completed, NextRun = null };
        Job second = NewJob() with { Source = "jobs.json", Name = "backup", Status = JobStatus.Completed, NextRun = null };
        await store.AddAsync(first, Token);
        await store.AddAsync(second, Token);

        // Another node makes the second job live and has not committed yet: the run-now of the first cannot see it, checks
        // the name as free, and then meets the unique index, which waits for that node's transaction and refuses.
        await using NpgsqlConnection other = await PostgresServer.Admin.OpenConnectionAsync(Token);
        await using NpgsqlTransaction transaction = await other.BeginTransactionAsync(Token);
        await using (var live = new NpgsqlCommand($"UPDATE \"{schema}\".jobs SET status = 0 WHERE id = @id", other, transaction))
        {
            live.Parameters.AddWithValue("id", second.Id);
            Assert.Equal(1, await live.ExecuteNonQueryAsync(Token));
        }

        Task<ClaimedRun?> claim = store.ClaimNowAsync(first.Id, new ClaimRequest { Node = Node }, Token).AsTask();
        await WaitUntilBlockedOnALockAsync(other.ProcessID);
        await transaction.CommitAsync(Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => claim);
        Assert.Equal(StoreErrors.ClaimNameTaken(first.Id, "backup", second.Id).Message, error.Message);
        Assert.Equal(JobStatus.Completed, (await store.GetAsync(first.Id, Token))?.Status);
    }

    [Fact]
    public async Task Schedule_OnOneNode_WakesTheDispatcherOfAnother()
    {
        (PostgreSqlJobStore storeA, PostgreSqlJobStore storeB) = await OpenTwoAsync();
        await using var a = new Scheduler(new SchedulerOptions { Store = storeA, NodeName = "a", LeaseDuration = TimeSpan.FromMinutes(1) });
        await using var b = new Scheduler(new SchedulerOptions { Store = storeB, NodeName = "b", LeaseDuration = TimeSpan.FromMinutes(1) });
        a.RegisterTask("ping", () => { });
        b.RegisterTask("ping", () => { });
        var started = new TaskCompletionSource<JobEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.JobStarted += (_, e) => started.TrySetResult(e);
        var seen = new ChangeLog(storeB);
        await b.StartAsync(Token);

        // B has nothing due and waits without polling; only A's notification can tell it about the job.
        string id = await a.ScheduleAsync("ping", trigger: null, cancellationToken: Token);

        Assert.Equal(JobStoreChangeKind.Added, (await seen.WaitForAsync(c => c.JobId == id)).Kind);
        JobEvent run = await started.Task.WaitAsync(Patience, Token);
        Assert.Equal(id, run.JobId);
        await b.StopAsync(Token);
        RunRecord record = Assert.Single((await storeA.GetRunsAsync(new RunQuery { JobId = id }, Token)).Items);
        Assert.StartsWith("b", record.Node, StringComparison.Ordinal);
    }

    /// <summary>Two listening store instances on one new schema, each with a pool of its own, as two nodes have.</summary>
    private async Task<(PostgreSqlJobStore First, PostgreSqlJobStore Second)> OpenTwoAsync()
    {
        string schema = NewSchema();
        PostgreSqlJobStore first = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        PostgreSqlJobStore second = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        await first.MigrateAsync(Token);
        await second.MigrateAsync(Token);
        return (first, second);
    }

    /// <summary>Waits until a server process waits for a lock held by <paramref name="holder"/> (polls the server's own view, no timing).</summary>
    private static async Task WaitUntilBlockedOnALockAsync(int holder)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Token);
        patience.CancelAfter(Patience);
        await using NpgsqlCommand blocked = PostgresServer.Admin.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE @holder = ANY (pg_blocking_pids(pid))");
        blocked.Parameters.AddWithValue("holder", holder);
        while ((long)(await blocked.ExecuteScalarAsync(patience.Token))! == 0)
        {
            await Task.Yield();
        }
    }

    /// <summary>A login role that may read a schema's tables and nothing else (no CREATE on the database or the schema).</summary>
    private sealed class ReadOnlyRole : IAsyncDisposable
    {
        private ReadOnlyRole(string name) => Name = name;

        public string Name { get; }

        public static async Task<ReadOnlyRole> CreateAsync(string? schema)
        {
            var role = new ReadOnlyRole("reader_" + Guid.NewGuid().ToString("N")[..12]);
            string grants = schema is null
                ? ""
                : $"GRANT USAGE ON SCHEMA \"{schema}\" TO {role.Name}; GRANT SELECT ON ALL TABLES IN SCHEMA \"{schema}\" TO {role.Name};";
            await using NpgsqlCommand create = PostgresServer.Admin.CreateCommand(
                $"CREATE ROLE {role.Name} LOGIN; {grants}");
            await create.ExecuteNonQueryAsync(Token);
            return role;
        }

        public NpgsqlDataSource NewDataSource() =>
            NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Username = Name, Password = null }.ConnectionString);

        public async ValueTask DisposeAsync()
        {
            await using NpgsqlCommand drop = PostgresServer.Admin.CreateCommand($"DROP OWNED BY {Name}; DROP ROLE {Name}");
            await drop.ExecuteNonQueryAsync();
        }
    }
}
