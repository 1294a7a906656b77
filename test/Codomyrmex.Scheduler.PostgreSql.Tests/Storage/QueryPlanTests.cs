using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// Which index the store's list reads, seen from the server's own counters: a page of a rare status, or of a rare source beside
/// a common one, among many pending jobs reads the status or source index, not every job, also once the statement is prepared
/// and planned without its parameters' values; and a batch of completions trims the history by its indexes, not by reading it all.
/// </summary>
public sealed class QueryPlanTests : IAsyncDisposable
{
    private const int PendingJobs = 2_000;

    private static readonly NodeIdentity Node = new() { InstanceId = "node/1", Name = "node", Host = "test-host", ProcessId = 42 };

    private readonly string _schema = PostgresServer.NewSchema();

    private NpgsqlDataSource? _source;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Statuses far rarer than pending: one running job, three cancelled, none failed.</summary>
    [Theory]
    [InlineData(JobStatus.Running, 1)]
    [InlineData(JobStatus.Cancelled, 3)]
    [InlineData(JobStatus.Failed, 0)]
    [InlineData(JobStatus.Completed, 0)]
    public async Task ListByRareStatus_PreparedWithAGenericPlan_ReadsTheStatusIndexNotEveryJob(JobStatus status, int expected)
    {
        _source = GenericPlanSource();
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        var far = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AddManyAsync([.. Enumerable.Range(0, PendingJobs).Select(i => NewJob($"pending-{i:0000}", far))], Token);
        await store.AddAsync(NewJob("due", new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)), Token);
        Assert.Single((await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 1, LeaseDuration = TimeSpan.FromMinutes(5) }, Token)).Runs);
        for (int i = 0; i < 3; i++)
        {
            Assert.NotNull(await store.CancelAsync($"pending-{i:0000}", Token));
        }

        await ExecuteAsync($"ANALYZE \"{_schema}\".jobs");
        (long seqBefore, long statusBefore) = await IndexReadsAsync("jobs_status");

        JobPage page = await store.ListAsync(new JobQuery { Status = status, Limit = 100 }, Token);
        JobPage again = await store.ListAsync(new JobQuery { Status = status, Limit = 100 }, Token);

        (long seqAfter, long statusAfter) = await IndexReadsAsync("jobs_status");
        Assert.Equal(expected, page.Items.Count);
        Assert.Equal(expected, again.Total);
        Assert.All(page.Items, job => Assert.Equal(status, job.Status));
        Assert.True(seqAfter - seqBefore < PendingJobs / 10, $"{seqAfter - seqBefore} index entries of the jobs' order read for two pages of {expected}");
        Assert.True(statusAfter > statusBefore, "the status index was not read");
    }

    [Fact]
    public async Task ListByRareSource_PreparedWithAGenericPlan_ReadsTheSourceIndexNotEveryJob()
    {
        // With source = $1, the generic plan walked the jobs' order and read every job.
        _source = GenericPlanSource();
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        var far = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AddManyAsync([.. Enumerable.Range(0, PendingJobs).Select(i => NewJob($"common-{i:0000}", far, "common"))], Token);
        await store.AddManyAsync([.. Enumerable.Range(0, 3).Select(i => NewJob($"rare-{i}", far, "rare"))], Token);
        await ExecuteAsync($"ANALYZE \"{_schema}\".jobs");
        (long seqBefore, long sourceBefore) = await IndexReadsAsync("jobs_source");

        JobPage page = await store.ListAsync(new JobQuery { Source = "rare", Limit = 100 }, Token);
        JobPage again = await store.ListAsync(new JobQuery { Source = "rare", Limit = 100 }, Token);

        (long seqAfter, long sourceAfter) = await IndexReadsAsync("jobs_source");
        Assert.Equal(["rare-0", "rare-1", "rare-2"], page.Items.Select(job => job.Id));
        Assert.Equal(3, again.Total);
        Assert.True(seqAfter - seqBefore < PendingJobs / 10, $"{seqAfter - seqBefore} index entries of the jobs' order read for two pages of 3");
        Assert.True(sourceAfter > sourceBefore, "the source index was not read");
        Assert.Equal(PendingJobs, (await store.ListAsync(new JobQuery { Source = "common", Limit = 10 }, Token)).Total);
    }

    [Fact]
    public async Task CompleteMany_OnAYoungHistory_TrimsItByItsIndexesNotByReadingItAll()
    {
        // A history of other jobs' runs with no statistics yet (as after a burst of new jobs): trimming each job's history was
        // planned as a join back to the whole table, which read and hashed every row at every batch of completions.
        const int History = 20_000;
        _source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { MaxPoolSize = 1 }.ConnectionString);
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        await store.MigrateAsync(Token);
        await ExecuteAsync($"ALTER TABLE \"{_schema}\".runs SET (autovacuum_enabled = false)");
        await ExecuteAsync($"INSERT INTO \"{_schema}\".runs (run_id, job_id, job_name, scheduled, started_at, finished_at, node, outcome, attempt, " +
            $"is_manual, is_recovery) SELECT 'run-' || i, 'other-' || i, 'other', 0, 0, 0, 'node', 0, 1, false, false FROM generate_series(1, {History}) AS i");
        var past = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AddManyAsync([.. Enumerable.Range(0, 50).Select(i => NewJob($"job-{i:00}", past))], Token);
        long before = await RowsReadBySeqScanAsync("runs");

        await CompleteAllDueAsync(store);

        long read = await RowsReadBySeqScanAsync("runs") - before;
        Assert.True(read < History / 10, $"{read} history rows read by scanning the table to complete and trim 50 runs");
        Assert.Equal(History + 50, (await store.GetRunsAsync(default, Token)).Total);
    }

    [Fact]
    public async Task CompleteMany_SeveralRunsOfEachJobInOneBatch_KeepsEachJobsNewestRuns()
    {
        // Runs now of two jobs that allow overlap, four each, completed all at once: the trim of each batch keeps each job's
        // newest two, the runs of the batch itself included.
        _source = PostgresServer.NewDataSource();
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions
        {
            Schema = _schema,
            ListenForChanges = false,
            History = new RunHistoryOptions { MaxRunsPerJob = 2 },
        });
        var far = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);
        string[] ids = ["a", "b"];
        await store.AddManyAsync([.. ids.Select(id => NewJob(id, far) with { Options = new JobOptions { Overlap = OverlapPolicy.Allow } })], Token);
        var runs = new List<ClaimedRun>();
        for (int i = 0; i < 4; i++)
        {
            foreach (string id in ids)
            {
                runs.Add((await store.ClaimNowAsync(id, new ClaimRequest { Node = Node, LeaseDuration = TimeSpan.FromMinutes(5) }, Token))!);
            }
        }

        await CompleteAllAsync(store, runs);

        foreach (string id in ids)
        {
            RunPage page = await store.GetRunsAsync(new RunQuery { JobId = id }, Token);
            Assert.Equal(2, page.Total);
            Assert.Equal(
                runs.Where(run => run.JobId == id).TakeLast(2).Select(run => run.RunId).Order(StringComparer.Ordinal),
                page.Items.Select(run => run.RunId).Order(StringComparer.Ordinal));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        await PostgresServer.DropAsync(_schema);
    }

    /// <summary>
    /// One connection, so that the test reads the counters of the session the store used; every statement prepared at once and
    /// planned without its parameters' values (a prepared statement's generic plan, which the server picks on its own after
    /// five calls when it costs no more than the plans for the values).
    /// </summary>
    private static NpgsqlDataSource GenericPlanSource() => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString)
    {
        MaxPoolSize = 1,
        MaxAutoPrepare = 64,
        AutoPrepareMinUsages = 1,
        Options = "-c plan_cache_mode=force_generic_plan",
    }.ConnectionString);

    /// <summary>A pending one-shot job due at <paramref name="when"/>, named as its id.</summary>
    internal static Job NewJob(string id, DateTimeOffset when, string? source = null) => new()
    {
        Id = id,
        Name = id,
        Task = "task",
        Source = source,
        Status = JobStatus.Pending,
        CreatedAt = when,
        NextRun = when,
        Version = 1,
    };

    /// <summary>
    /// How many entries the jobs' order index (<c>jobs_seq_key</c>) gave to scans, and how many scans read
    /// <paramref name="index"/>, on the store's own session: it flushes its counters to the server's statistics first.
    /// </summary>
    private async Task<(long Seq, long Scans)> IndexReadsAsync(string index)
    {
        await ExecuteAsync("SELECT pg_stat_force_next_flush()");
        await using NpgsqlCommand read = _source!.CreateCommand(
            "SELECT coalesce(sum(idx_tup_read) FILTER (WHERE indexrelname = 'jobs_seq_key'), 0)::bigint, " +
            "coalesce(sum(idx_scan) FILTER (WHERE indexrelname = $2), 0)::bigint " +
            "FROM pg_stat_user_indexes WHERE schemaname = $1");
        read.Parameters.Add(new NpgsqlParameter { Value = _schema });
        read.Parameters.Add(new NpgsqlParameter { Value = index });
        await using NpgsqlDataReader reader = await read.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Claims every due job and completes the runs all at once, so that the store writes them in batches.</summary>
    private static async Task CompleteAllDueAsync(PostgreSqlJobStore store)
    {
        var runs = new List<ClaimedRun>();
        while ((await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 500, LeaseDuration = TimeSpan.FromMinutes(5) }, Token)).Runs is
            { Count: > 0 } claimed)
        {
            runs.AddRange(claimed);
        }

        await CompleteAllAsync(store, runs);
    }

    /// <summary>Completes <paramref name="runs"/> all at once, so that the store writes them in batches, and checks each was recorded.</summary>
    private static async Task CompleteAllAsync(PostgreSqlJobStore store, IEnumerable<ClaimedRun> runs)
    {
        RunCompletionResult[] results = await Task.WhenAll(runs.Select(run => store.CompleteRunAsync(new RunCompletion
        {
            Run = run,
            Outcome = RunOutcome.Succeeded,
            StartedAt = run.ClaimedAt,
            FinishedAt = run.ClaimedAt,
        }, Token).AsTask()));
        Assert.All(results, result => Assert.Equal(RunCompletionStatus.Recorded, result.Status));
    }

    /// <summary>How many rows scans of the whole of <paramref name="table"/> have read, with the store's session's counters flushed first.</summary>
    private async Task<long> RowsReadBySeqScanAsync(string table)
    {
        await ExecuteAsync("SELECT pg_stat_force_next_flush()");
        await using NpgsqlCommand read = _source!.CreateCommand(
            "SELECT coalesce(sum(seq_tup_read), 0)::bigint FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2");
        read.Parameters.Add(new NpgsqlParameter { Value = _schema });
        read.Parameters.Add(new NpgsqlParameter { Value = table });
        return (long)(await read.ExecuteScalarAsync(Token))!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using NpgsqlCommand command = _source!.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Token);
    }
}
