using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// A list by source writes the source into its statement (so that each source gets its own plan: see
/// <see cref="QueryPlanTests"/>): hostile sources still find exactly their jobs, the statement neither breaking nor doing
/// anything else.
/// </summary>
public sealed class SourceLiteralTests : IAsyncDisposable
{
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

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        await PostgresServer.DropAsync(_schema);
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
