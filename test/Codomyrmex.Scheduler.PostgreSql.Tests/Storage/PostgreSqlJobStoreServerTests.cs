using System.Collections.Concurrent;
using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>What only the PostgreSQL store does: migration under a lock, the schema option, notifications across instances and their reconnect, the server's clock.</summary>
public sealed partial class PostgreSqlJobStoreServerTests : IAsyncDisposable
{
    /// <summary>How long a test waits for a notification before it fails rather than hang (a guard, not a measurement).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly NodeIdentity Node = new() { InstanceId = "node/1", Name = "node", Host = "test-host", ProcessId = 42 };

    private readonly List<PostgreSqlJobStore> _stores = [];
    private readonly List<NpgsqlDataSource> _sources = [];
    private readonly List<string> _schemas = [];
    private int _counter;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrate_ManyStoresOnAnEmptyDatabaseAtOnce_CreateTheSchemaOnce()
    {
        await using PostgresServer.TemporaryDatabase database = await PostgresServer.CreateDatabaseAsync();
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        PostgreSqlJobStore[] stores = Enumerable.Range(0, 6).Select(_ => Open(NpgsqlDataSource.Create(connection.ConnectionString))).ToArray();

        // Default options: the schema is "codomyrmex".
        await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync(Token), Token)));

        await using (NpgsqlDataSource direct = NpgsqlDataSource.Create(connection.ConnectionString))
        await using (NpgsqlCommand version = direct.CreateCommand("SELECT count(*), max(version) FROM codomyrmex.schema_version"))
        await using (NpgsqlDataReader reader = await version.ExecuteReaderAsync(Token))
        {
            Assert.True(await reader.ReadAsync(Token));
            Assert.Equal(1L, reader.GetInt64(0));
            Assert.Equal(StoreSchema.CurrentVersion, reader.GetInt32(1));
        }

        Job job = NewJob();
        await stores[0].AddAsync(job, Token);
        foreach (PostgreSqlJobStore store in stores)
        {
            Assert.Equal(job.Name, (await store.GetAsync(job.Id, Token))?.Name);
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrate_SchemaOfANewerVersion_IsRefused()
    {
        string schema = NewSchema();
        await Open(new PostgreSqlJobStoreOptions { Schema = schema }).MigrateAsync(Token);
        await using (NpgsqlCommand bump = PostgresServer.Admin.CreateCommand($"UPDATE \"{schema}\".schema_version SET version = 99"))
        {
            await bump.ExecuteNonQueryAsync(Token);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Open(new PostgreSqlJobStoreOptions { Schema = schema }).MigrateAsync(Token));
        Assert.Contains("version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schema_StoresOnOtherSchemas_AreSeparateStores_AndTheTablesAreInTheNamedSchema()
    {
        PostgreSqlJobStore first = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        PostgreSqlJobStore second = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        Job job = NewJob();
        await first.AddAsync(job, Token);

        Assert.Null(await second.GetAsync(job.Id, Token));
        Assert.Equal(0, (await second.ListAsync(default, Token)).Total);
        await using NpgsqlCommand tables = PostgresServer.Admin.CreateCommand(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = @schema");
        tables.Parameters.AddWithValue("schema", first.Schema);
        Assert.Equal("claims,job_counts,jobs,nodes,runs,schema_version", await tables.ExecuteScalarAsync(Token));
    }

    [Theory]
    [InlineData("Host=127.0.0.1", 64, true)]
    [InlineData("Host=127.0.0.1;Max Auto Prepare=5", 5, true)]
    [InlineData("Host=127.0.0.1;Max Auto Prepare=0;No Reset On Close=false", 0, false)]
    [InlineData("Host=127.0.0.1;maxautoprepare=7;noresetonclose=False", 7, false)]
    [InlineData("Host=127.0.0.1;No Reset On Close=true", 64, true)]
    public async Task CreateDataSource_TurnsAutomaticPreparationOnAndTheResetOff_UnlessTheConnectionStringSetsThem(
        string connectionString, int expectedMaxAutoPrepare, bool expectedNoReset)
    {
        await using NpgsqlDataSource source = PostgreSqlJobStore.CreateDataSource(connectionString);
        var made = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        Assert.Equal(expectedMaxAutoPrepare, made.MaxAutoPrepare);
        Assert.Equal(expectedNoReset, made.NoResetOnClose);
        Assert.Equal("127.0.0.1", made.Host);
    }

    [Fact]
    public async Task CreateDataSource_Statements_ArePreparedOnTheServer_AfterAFewCalls()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema(), ListenForChanges = false });
        NodeIdentity node = Node;
        for (int i = 0; i < 8; i++)
        {
            await store.ClaimDueAsync(new ClaimRequest { Node = node, MaxRuns = 10 }, Token);
        }

        // The pool's one connection has the claim's statements prepared: ask the server from that connection.
        await using NpgsqlConnection connection = await _sources[^1].OpenConnectionAsync(Token);
        await using NpgsqlCommand prepared = new("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FOR UPDATE OF jobs SKIP LOCKED%'", connection);
        Assert.Equal(1L, (long)(await prepared.ExecuteScalarAsync(Token))!);
    }

    [Fact]
    public void Options_NotValid_ListsEveryProblem()
    {
        var options = new PostgreSqlJobStoreOptions
        {
            Schema = "a\"b",
            History = new RunHistoryOptions { MaxRunsPerJob = -1 },
            Retention = new JobRetentionOptions { BatchSize = 0 },
        };
        using NpgsqlDataSource source = NpgsqlDataSource.Create("Host=127.0.0.1");
        var error = Assert.Throws<ArgumentException>(() => new PostgreSqlJobStore(source, options));
        Assert.Contains("Schema is 'a\"b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxRunsPerJob is -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_SchemaLongerThan63BytesInUtf8_IsRefusedEvenWithFewerCharacters()
    {
        using NpgsqlDataSource source = NpgsqlDataSource.Create("Host=127.0.0.1");
        string schema = new('é', 32); // 32 characters, 64 bytes: PostgreSQL would cut it to 63
        var error = Assert.Throws<ArgumentException>(() => new PostgreSqlJobStore(source, new PostgreSqlJobStoreOptions { Schema = schema }));
        Assert.Contains($"Schema is '{schema}'", error.Message, StringComparison.Ordinal);
        await using var accepted = new PostgreSqlJobStore(source, new PostgreSqlJobStoreOptions { Schema = new string('é', 31) + "x", ListenForChanges = false });
    }

    [Fact]
    public async Task Changes_OnASchemaOfTheLongestName_AreWrittenAndRaisedWithTheJobId()
    {
        string schema = NewSchema();
        schema += new string('x', 63 - schema.Length);
        PostgreSqlJobStore writer = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        PostgreSqlJobStore reader = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        await writer.MigrateAsync(Token);
        await reader.MigrateAsync(Token);
        var seen = new ChangeLog(reader);

        Job job = NewJob();
        Assert.True((await writer.AddAsync(job, Token)).Added);
        Assert.Equal(JobStoreChangeKind.Added, (await seen.WaitForAsync(c => c.JobId == job.Id)).Kind);
    }

    [Fact]
    public async Task ListNodes_OnlyReads_LeavesOutLapsedNodes_WhichTheNextHeartbeatDeletes()
    {
        string schema = NewSchema();
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        var lapsed = new NodeIdentity { InstanceId = "lapsed/1", Name = "lapsed", Host = "test-host", ProcessId = 43 };
        await store.RenewAsync(new NodeHeartbeat { Node = lapsed, LeaseDuration = TimeSpan.FromMinutes(1) }, Token);
        await store.RenewAsync(new NodeHeartbeat { Node = Node, LeaseDuration = TimeSpan.FromMinutes(1) }, Token);
        await using (NpgsqlCommand lapse = PostgresServer.Admin.CreateCommand($"UPDATE \"{schema}\".nodes SET alive_until = 0 WHERE instance_id = 'lapsed/1'"))
        {
            await lapse.ExecuteNonQueryAsync(Token);
        }

        // A read-only view (the dashboard's nodes page) lists the live node and writes nothing: a read-only role may call it.
        Assert.Equal([Node.InstanceId], (await store.ListNodesAsync(Token)).Select(n => n.InstanceId));
        Assert.Equal(2L, await CountNodesAsync(schema));

        await store.RenewAsync(new NodeHeartbeat { Node = Node, LeaseDuration = TimeSpan.FromMinutes(1) }, Token);
        Assert.Equal(1L, await CountNodesAsync(schema));
    }

    private static async Task<long> CountNodesAsync(string schema)
    {
        await using NpgsqlCommand count = PostgresServer.Admin.CreateCommand($"SELECT count(*) FROM \"{schema}\".nodes");
        return (long)(await count.ExecuteScalarAsync(Token))!;
    }

    [Fact]
    public async Task SchemaScript_RunByHand_MakesTheSchemaTheStoreMakes_AndTheStoreUsesItAsItIs()
    {
        string byHand = NewSchema();
        await using (NpgsqlConnection connection = await PostgresServer.Admin.OpenConnectionAsync(Token))
        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync(Token))
        {
            await using (var install = new NpgsqlCommand(
                $"CREATE SCHEMA \"{byHand}\"; SET LOCAL search_path TO \"{byHand}\";\n" + PostgreSqlJobStore.GetSchemaScript(), connection, transaction))
            {
                await install.ExecuteNonQueryAsync(Token);
            }

            await transaction.CommitAsync(Token);
        }

        PostgreSqlJobStore made = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema(), ListenForChanges = false });
        await made.MigrateAsync(Token);
        Assert.Equal(await DescribeSchemaAsync(made.Schema), await DescribeSchemaAsync(byHand));

        // A role that may only read opens it: the store finds it current and runs no DDL.
        await using ReadOnlyRole role = await ReadOnlyRole.CreateAsync(byHand);
        PostgreSqlJobStore reader = Open(role.NewDataSource(), new PostgreSqlJobStoreOptions { Schema = byHand, ListenForChanges = false });
        Assert.Equal(0, (await reader.ListAsync(default, Token)).Total);
        await reader.DisposeAsync();
    }

    /// <summary>The schema's relations, columns, indexes, triggers and version, as text to compare.</summary>
    private static async Task<string> DescribeSchemaAsync(string schema)
    {
        await using NpgsqlCommand describe = PostgresServer.Admin.CreateCommand(
            "SELECT string_agg(d, E'\\n' ORDER BY d) FROM (" +
            "SELECT c.relkind::text || ' ' || c.relname AS d FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema " +
            "UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns WHERE table_schema = @schema " +
            "UNION ALL SELECT 'index ' || indexname || ' ' || replace(indexdef, quote_ident(@schema), 'S') FROM pg_indexes WHERE schemaname = @schema " +
            "UNION ALL SELECT 'trigger ' || t.tgname || ' ' || replace(pg_get_triggerdef(t.oid), quote_ident(@schema), 'S') FROM pg_trigger t " +
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND NOT t.tgisinternal) AS parts");
        describe.Parameters.AddWithValue("schema", schema);
        string parts = (string)(await describe.ExecuteScalarAsync(Token))!;
        await using NpgsqlCommand version = PostgresServer.Admin.CreateCommand($"SELECT version FROM \"{schema}\".schema_version");
        return parts + "\nversion " + (int)(await version.ExecuteScalarAsync(Token))!;
    }

    [Fact]
    public async Task Changes_MadeByAnotherInstance_AreRaisedWithTheJobId()
    {
        (PostgreSqlJobStore writer, PostgreSqlJobStore reader) = await OpenTwoAsync();
        var seen = new ChangeLog(reader);
        var own = new ChangeLog(writer);

        Job job = NewJob();
        await writer.AddAsync(job, Token);
        JobStoreChange added = await seen.WaitForAsync(c => c.JobId == job.Id);
        Assert.Equal(JobStoreChangeKind.Added, added.Kind);
        Assert.Equal(job.NextRun, added.DueAt);

        await writer.CancelAsync(job.Id, Token);
        Assert.Equal(JobStoreChangeKind.Cancelled, (await seen.WaitForAsync(c => c.Kind == JobStoreChangeKind.Cancelled)).Kind);

        // The writer raised its own changes once each, synchronously, and not again when its notifications came back.
        await reader.DeleteAsync(job.Id, Token);
        await own.WaitForAsync(c => c.Kind == JobStoreChangeKind.Deleted);
        Assert.Equal([JobStoreChangeKind.Added, JobStoreChangeKind.Cancelled, JobStoreChangeKind.Deleted], own.Kinds);
    }

    [Fact]
    public async Task Changes_ListenerConnectionKilled_ReconnectsAndNotificationsResume()
    {
        string schema = NewSchema();
        PostgreSqlJobStore writer = Open(new PostgreSqlJobStoreOptions { Schema = schema, ListenForChanges = false });
        PostgreSqlJobStore reader = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        await reader.MigrateAsync(Token);
        var seen = new ChangeLog(reader);
        int backend = reader.ListenerProcessId;
        Assert.NotEqual(0, backend);

        await using (NpgsqlCommand kill = PostgresServer.Admin.CreateCommand("SELECT pg_terminate_backend(@pid)"))
        {
            kill.Parameters.AddWithValue("pid", backend);
            Assert.Equal(true, await kill.ExecuteScalarAsync(Token));
        }

        // Whatever was sent while it was down is lost: the reconnected listener says so once, with no job id.
        JobStoreChange unknown = await seen.WaitForAsync(c => c.Kind == JobStoreChangeKind.Unknown);
        Assert.Null(unknown.JobId);
        Assert.NotEqual(backend, reader.ListenerProcessId);
        Assert.Equal(2, reader.ListenerConnections);
        Assert.True(reader.IsListening);
        Assert.False(writer.IsListening);

        Job job = NewJob();
        await writer.AddAsync(job, Token);
        Assert.Equal(JobStoreChangeKind.Added, (await seen.WaitForAsync(c => c.JobId == job.Id)).Kind);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dispose_ListeningStore_LeavesNoConnectionInThePoolListening(bool resetOnClose)
    {
        // A pool that hands its connections on as they were left (No Reset On Close, as CreateDataSource makes it) or reset:
        // either way no connection may keep the store's LISTEN, or the server would queue notifications for it unread.
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { MaxPoolSize = 3, NoResetOnClose = !resetOnClose };
        NpgsqlDataSource source = PostgreSqlJobStore.CreateDataSource(builder.ConnectionString);
        _sources.Add(source);
        var store = new PostgreSqlJobStore(source, new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        await store.MigrateAsync(Token);
        Assert.True(store.IsListening);
        await store.AddAsync(NewJob(), Token);
        await store.DisposeAsync();

        // Every connection the pool can hold, open at once: the listener's is among them.
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (int i = 0; i < builder.MaxPoolSize; i++)
            {
                connections.Add(await source.OpenConnectionAsync(Token));
            }

            foreach (NpgsqlConnection connection in connections)
            {
                await using NpgsqlCommand listening = new("SELECT count(*) FROM pg_listening_channels()", connection);
                Assert.Equal(0L, (long)(await listening.ExecuteScalarAsync(Token))!);
            }
        }
        finally
        {
            foreach (NpgsqlConnection connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Clock_WithoutATimeProvider_IsTheServers()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        Job past = NewJob(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Job future = NewJob(new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await store.AddAsync(past, Token);
        await store.AddAsync(future, Token);

        ClaimBatch batch = await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(1) }, Token);

        ClaimedRun run = Assert.Single(batch.Runs);
        Assert.Equal(past.Id, run.Job.Id);
        Assert.Equal(future.NextRun, batch.NextDueAt);
        Assert.Equal(batch.Now + TimeSpan.FromMinutes(1), run.LeaseUntil);
        await using NpgsqlCommand now = PostgresServer.Admin.CreateCommand("SELECT clock_timestamp()");
        var server = (DateTime)(await now.ExecuteScalarAsync(Token))!;
        Assert.InRange(batch.Now.UtcDateTime, server.AddHours(-1), server);
        Assert.NotSame(TimeProvider.System, store.TimeProvider);
    }

    [Fact]
    public async Task Claim_TwoInstancesRacingOnManyDueJobs_ClaimEachOccurrenceOnce()
    {
        string schema = NewSchema();
        PostgreSqlJobStore first = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        PostgreSqlJobStore second = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        Job[] jobs = Enumerable.Range(0, 200).Select(_ => NewJob(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero))).ToArray();
        foreach (Job job in jobs)
        {
            await first.AddAsync(job, Token);
        }

        var claimed = new ConcurrentBag<ClaimedRun>();
        async Task DrainAsync(PostgreSqlJobStore store, string name)
        {
            var node = new NodeIdentity { InstanceId = name + "/1", Name = name };
            while (true)
            {
                ClaimBatch batch = await store.ClaimDueAsync(new ClaimRequest { Node = node, MaxRuns = 7 }, Token);
                if (batch.Runs.Count == 0 && batch.NextDueAt is null)
                {
                    return;
                }

                foreach (ClaimedRun run in batch.Runs)
                {
                    claimed.Add(run);
                }
            }
        }

        await Task.WhenAll(Task.Run(() => DrainAsync(first, "a"), Token), Task.Run(() => DrainAsync(second, "b"), Token));

        Assert.Equal(jobs.Select(j => j.Id).Order(StringComparer.Ordinal), claimed.Select(r => r.Job.Id).Order(StringComparer.Ordinal));
        Assert.Equal(claimed.Count, claimed.Select(r => r.FencingToken).Distinct().Count());
    }

    [Fact]
    public async Task Claim_JobWithADamagedTrigger_FailsSayingWhy_AndTheOthersStillRun()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        DateTimeOffset past = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Job damaged = NewJob(past) with { Trigger = new IntervalTrigger(TimeSpan.FromMinutes(1), past) };
        Job healthy = NewJob(past);
        await store.AddAsync(damaged, Token);
        await store.AddAsync(healthy, Token);
        await using (NpgsqlCommand damage = PostgresServer.Admin.CreateCommand($"UPDATE \"{store.Schema}\".jobs SET trigger = '{{\"type\":\"nope\"}}' WHERE id = @id"))
        {
            damage.Parameters.AddWithValue("id", damaged.Id);
            Assert.Equal(1, await damage.ExecuteNonQueryAsync(Token));
        }

        // A fresh instance: the first one keeps the trigger it was given.
        PostgreSqlJobStore fresh = Open(new PostgreSqlJobStoreOptions { Schema = store.Schema });
        ClaimBatch batch = await fresh.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10 }, Token);

        Assert.Equal(healthy.Id, Assert.Single(batch.Runs).Job.Id);
        Job? failed = await fresh.GetAsync(damaged.Id, Token);
        Assert.Equal(JobStatus.Failed, failed?.Status);
        Assert.Contains("cannot be read", failed?.Error, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (PostgreSqlJobStore store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (NpgsqlDataSource source in _sources)
        {
            await source.DisposeAsync();
        }

        await PostgresServer.DropAsync(_schemas);
    }

    private string NewSchema()
    {
        string schema = PostgresServer.NewSchema();
        _schemas.Add(schema);
        return schema;
    }

    private PostgreSqlJobStore Open(PostgreSqlJobStoreOptions options) => Open(PostgresServer.NewDataSource(), options);

    private PostgreSqlJobStore Open(NpgsqlDataSource source, PostgreSqlJobStoreOptions? options = null)
    {
        _sources.Add(source);
        var store = new PostgreSqlJobStore(source, options ?? new PostgreSqlJobStoreOptions());
        _stores.Add(store);
        return store;
    }

    private Job NewJob(DateTimeOffset? at = null)
    {
        int n = Interlocked.Increment(ref _counter);
        DateTimeOffset when = at ?? new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        return new Job
        {
            Id = $"0000000000{n:000}",
            Name = $"job-{n}",
            Task = "task",
            Status = JobStatus.Pending,
            CreatedAt = when,
            NextRun = when,
            Version = 1,
        };
    }

    /// <summary>The changes a store raised, in order, and a way to wait for one.</summary>
    private sealed class ChangeLog
    {
        private readonly List<JobStoreChange> _changes = [];
        private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ChangeLog(IJobStore store) => store.Changed += (_, change) =>
        {
            TaskCompletionSource added;
            lock (_changes)
            {
                _changes.Add(change);
                added = _added;
                _added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            added.SetResult();
        };

        public JobStoreChangeKind[] Kinds
        {
            get
            {
                lock (_changes)
                {
                    return _changes.Select(c => c.Kind).ToArray();
                }
            }
        }

        public async Task<JobStoreChange> WaitForAsync(Func<JobStoreChange, bool> match)
        {
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(Token);
            patience.CancelAfter(Patience);
            while (true)
            {
                Task added;
                lock (_changes)
                {
                    added = _added.Task;
                    foreach (JobStoreChange change in _changes)
                    {
                        if (match(change))
                        {
                            return change;
                        }
                    }
                }

                await added.WaitAsync(patience.Token);
            }
        }
    }
}
