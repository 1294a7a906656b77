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
    [InlineData("\uFF07 OR 1=1 --")]
    [InlineData("\uFF3C\uFF07")]
    [InlineData("tab\tnew\nline\r")]
    [InlineData("\U0010FFFF\uFFFF\u0080")]
    public async Task ListBySource_HostileSource_FindsExactlyItsJobs(string hostile) => await ListsExactlyItsJobsAsync(hostile, PostgresServer.NewDataSource());

    [Theory]
    [InlineData("it's")]
    [InlineData("\\'; SELECT 1; --")]
    [InlineData("back\\slash")]
    public async Task ListBySource_SessionWithoutStandardConformingStrings_FindsExactlyItsJobs(string hostile) =>
        await ListsExactlyItsJobsAsync(hostile, NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString)
        {
            Options = "-c standard_conforming_strings=off",
        }.ConnectionString));

    /// <summary>Sources with half a surrogate pair (by index: a test case's text would not keep them whole through discovery).</summary>
    private static readonly string[] s_loneSurrogates = ["\uD800", "a\uDC00b", "emoji\uD83D", "\uDE00\uD83D"];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ListBySource_LoneSurrogate_FindsNothingAndDoesNotThrow(int index)
    {
        string source = s_loneSurrogates[index];
        _source = PostgresServer.NewDataSource();
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        await store.AddAsync(QueryPlanTests.NewJob("plain", new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero), "plain"), Token);

        JobPage page = await store.ListAsync(new JobQuery { Source = source }, Token);

        Assert.Empty(page.Items);
        Assert.Equal(0, page.Total);
    }

    private async Task ListsExactlyItsJobsAsync(string hostile, NpgsqlDataSource dataSource)
    {
        _source = dataSource;
        await using var store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false });
        var far = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.AddManyAsync(
        [
            QueryPlanTests.NewJob("mine-1", far, hostile),
            QueryPlanTests.NewJob("other", far, hostile + "x"),
            QueryPlanTests.NewJob("plain", far, "plain"),
            QueryPlanTests.NewJob("mine-2", far, hostile),
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
}
