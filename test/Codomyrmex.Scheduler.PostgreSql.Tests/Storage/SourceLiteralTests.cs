using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// A list by source writes the source into its statement, so that each source gets its own plan: a rare source beside a common
/// one reads the source index even where every statement is planned without its parameters' values, and hostile sources still
/// find exactly their jobs, the statement neither breaking nor doing anything else.
/// </summary>
public sealed class SourceLiteralTests : IAsyncDisposable
{
    private const int CommonJobs = 2_000;

    private readonly string _schema = PostgresServer.NewSchema();
    private NpgsqlDataSource? _source;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("it's")]
    [InlineData("''")]
    [InlineData("\\")]
    [InlineData("\\'")]
    [InlineData("back\\slash\\n")]
    [InlineData("'; DROP TABLE jobs; --")]
    [InlineData("x' OR '1'='1")]
    [InlineData("E'\\x41'")]
    [InlineData("$$")]
    [InlineData("$1")]
    [InlineData("@source")]
    [InlineData("%_")]
    [InlineData("źródło 🚀")]
    [InlineData(" ")]
    [InlineData("")]
    public async Task ListBySource_HostileSource_FindsExactlyItsJobs(string hostile)
    {
        _source = PostgresServer.NewDataSource();
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        var far = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AddManyAsync(
        [
            NewJob("mine-1", hostile, far),
            NewJob("other", hostile + "x", far),
            NewJob("plain", "plain", far),
            NewJob("mine-2", hostile, far),
        ], Token);

        for (int call = 0; call < 6; call++)
        {
            JobPage page = await store.ListAsync(new JobQuery { Source = hostile }, Token);
            Assert.Equal(["mine-1", "mine-2"], page.Items.Select(job => job.Id));
            Assert.Equal(2, page.Total);
        }

        Assert.Equal(1, (await store.ListAsync(new JobQuery { Source = "plain", NamePrefix = "pl" }, Token)).Total);
        Assert.Equal(4, (await store.CountAsync(Token)).Pending);
    }

    [Fact]
    public async Task ListByRareSource_PreparedWithAGenericPlan_ReadsTheSourceIndexNotEveryJob()
    {
        // One connection (the test reads the counters of the session the store used), every statement prepared at its first use
        // and planned without its parameters' values: with source = $1, that plan walked the jobs' order and read every job.
        _source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString)
        {
            MaxPoolSize = 1,
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 1,
            Options = "-c plan_cache_mode=force_generic_plan",
        }.ConnectionString);
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        var far = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AddManyAsync([.. Enumerable.Range(0, CommonJobs).Select(i => NewJob($"common-{i:0000}", "common", far))], Token);
        await store.AddManyAsync([.. Enumerable.Range(0, 3).Select(i => NewJob($"rare-{i}", "rare", far))], Token);
        await ExecuteAsync($"ANALYZE \"{_schema}\".jobs");
        (long seqBefore, long sourceBefore) = await IndexReadsAsync();

        JobPage page = await store.ListAsync(new JobQuery { Source = "rare", Limit = 100 }, Token);
        JobPage again = await store.ListAsync(new JobQuery { Source = "rare", Limit = 100 }, Token);

        (long seqAfter, long sourceAfter) = await IndexReadsAsync();
        Assert.Equal(["rare-0", "rare-1", "rare-2"], page.Items.Select(job => job.Id));
        Assert.Equal(3, again.Total);
        Assert.True(seqAfter - seqBefore < CommonJobs / 10, $"{seqAfter - seqBefore} index entries of the jobs' order read for two pages of 3");
        Assert.True(sourceAfter > sourceBefore, "the source index was not read");
        Assert.Equal(CommonJobs, (await store.ListAsync(new JobQuery { Source = "common", Limit = 10 }, Token)).Total);
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        await PostgresServer.DropAsync(_schema);
    }

    /// <summary>Entries the jobs' order index gave to scans, and scans of the source index, on the store's session (flushed first).</summary>
    private async Task<(long Seq, long Source)> IndexReadsAsync()
    {
        await ExecuteAsync("SELECT pg_stat_force_next_flush()");
        await using NpgsqlCommand read = _source!.CreateCommand(
            "SELECT coalesce(sum(idx_tup_read) FILTER (WHERE indexrelname = 'jobs_seq_key'), 0)::bigint, " +
            "coalesce(sum(idx_scan) FILTER (WHERE indexrelname = 'jobs_source'), 0)::bigint FROM pg_stat_user_indexes WHERE schemaname = $1");
        read.Parameters.Add(new NpgsqlParameter { Value = _schema });
        await using NpgsqlDataReader reader = await read.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using NpgsqlCommand command = _source!.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Token);
    }

    private static Job NewJob(string id, string source, DateTimeOffset when) => new()
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
}
