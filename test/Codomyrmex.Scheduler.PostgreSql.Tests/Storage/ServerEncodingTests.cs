using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// The store on a database whose encoding is not UTF8 (LATIN1, or SQL_ASCII, which <c>initdb</c> picks in the C locale): lists
/// by source, name and prefix find exactly their jobs, a filter holding a character the database cannot store finds nothing
/// rather than failing, and a job the database cannot store is refused whole.
/// </summary>
public sealed partial class ServerEncodingTests : IAsyncDisposable
{
    private static readonly DateTimeOffset s_far = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private PostgresServer.TemporaryDatabase? _database;
    private NpgsqlDataSource? _source;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("LATIN1", "café")]
    [InlineData("LATIN1", "it's \\ ¿qué?")]
    [InlineData("SQL_ASCII", "café")]
    [InlineData("SQL_ASCII", "źródło 🚀")]
    [InlineData("SQL_ASCII", "it's \\")]
    [InlineData("SQL_ASCII", "")]
    public async Task ListBySourceAndName_OnADatabaseNotInUtf8_FindsExactlyItsJobs(string encoding, string text)
    {
        await using PostgreSqlJobStore store = await NewStoreAsync(encoding);
        await store.AddManyAsync(
        [
            QueryPlanTests.NewJob("mine-1", s_far, text),
            QueryPlanTests.NewJob("other", s_far, text + "x"),
            QueryPlanTests.NewJob("plain", s_far, "plain"),
            QueryPlanTests.NewJob("mine-2", s_far, text),
            QueryPlanTests.NewJob(text + "-named", s_far),
        ], Token);

        for (int call = 0; call < 6; call++)
        {
            // Six calls: past the point where a prepared statement may take a generic plan.
            JobPage page = await store.ListAsync(new JobQuery { Source = text }, Token);
            Assert.Equal(["mine-1", "mine-2"], page.Items.Select(job => job.Id));
            Assert.Equal(2, page.Total);
        }

        Assert.Equal([text + "-named"], (await store.ListAsync(new JobQuery { Name = text + "-named" }, Token)).Items.Select(job => job.Id));
        Assert.Contains(text + "-named", (await store.ListAsync(new JobQuery { NamePrefix = text }, Token)).Items.Select(job => job.Id));
        Assert.Equal(text, (await store.GetAsync("mine-1", Token))!.Source);
    }

    [Theory]
    [InlineData("LATIN1", "caf\u00E9\u00FF")] // the last character LATIN1 holds: the one after it, a range's upper bound, it cannot
    [InlineData("LATIN1", "\u00FF")]
    [InlineData("SQL_ASCII", "\u0142\u00FF")]
    public async Task ListByNamePrefix_EndingInTheLastCharacterOfItsRange_FindsExactlyItsJobs(string encoding, string prefix)
    {
        await using PostgreSqlJobStore store = await NewStoreAsync(encoding);
        await store.AddManyAsync(
        [
            QueryPlanTests.NewJob(prefix + "-1", s_far),
            QueryPlanTests.NewJob(prefix, s_far),
            QueryPlanTests.NewJob(prefix[..^1], s_far),
            QueryPlanTests.NewJob("plain", s_far),
        ], Token);

        JobPage page = await store.ListAsync(new JobQuery { NamePrefix = prefix }, Token);

        Assert.Equal([prefix + "-1", prefix], page.Items.Select(job => job.Id));
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task ListByNamePrefix_OnSqlAscii_APrefixLongerThanTheIndexedBytes_FindsItsJobs()
    {
        // SQL_ASCII counts a name's characters in bytes: 200 two-byte characters are 400 of them, past the 256 the index keeps.
        string prefix = new('\u0142', 200);
        await using PostgreSqlJobStore store = await NewStoreAsync("SQL_ASCII");
        await store.AddManyAsync([QueryPlanTests.NewJob(prefix + "-a", s_far), QueryPlanTests.NewJob(prefix[..199], s_far)], Token);

        Assert.Equal([prefix + "-a"], (await store.ListAsync(new JobQuery { NamePrefix = prefix }, Token)).Items.Select(job => job.Id));
        Assert.Equal([prefix + "-a"], (await store.ListAsync(new JobQuery { Name = prefix + "-a" }, Token)).Items.Select(job => job.Id));
    }

    [Theory]
    [InlineData("LATIN1", "中文")]
    [InlineData("LATIN1", "café 中")]
    [InlineData("LATIN1", "🚀")]
    [InlineData("LATIN1", "\u0141")]
    [InlineData("KOI8R", "中文")]
    [InlineData("KOI8R", "Жук 🚀")]
    public async Task List_AFilterTheDatabaseCannotHold_FindsNothing_AndDoesNotThrow(string encoding, string text)
    {
        await using PostgreSqlJobStore store = await NewStoreAsync(encoding);
        await store.AddAsync(QueryPlanTests.NewJob("plain", s_far, "plain"), Token);

        foreach (JobQuery query in new[]
        {
            new JobQuery { Source = text },
            new JobQuery { Name = text },
            new JobQuery { NamePrefix = text },
            new JobQuery { Source = text, Status = JobStatus.Pending },
        })
        {
            JobPage page = await store.ListAsync(query, Token);
            Assert.Empty(page.Items);
            Assert.Equal(0, page.Total);
        }

        Assert.Equal(1, (await store.ListAsync(new JobQuery(), Token)).Total);
    }

    [Fact]
    public async Task Add_AJobTheDatabaseCannotHold_IsRefusedWhole_NamingTheEncoding()
    {
        await using PostgreSqlJobStore store = await NewStoreAsync("LATIN1");
        await store.AddAsync(QueryPlanTests.NewJob("plain", s_far, "plain"), Token);

        PostgresException refused = await Assert.ThrowsAsync<PostgresException>(async () =>
            await store.AddManyAsync([QueryPlanTests.NewJob("fine", s_far), QueryPlanTests.NewJob("中文", s_far)], Token));

        Assert.Equal(PostgresErrorCodes.UntranslatableCharacter, refused.SqlState);
        Assert.Contains("LATIN1", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(["plain"], (await store.ListAsync(new JobQuery(), Token)).Items.Select(job => job.Id));
        Assert.Equal(1, (await store.CountAsync(Token)).Pending);
    }

    /// <summary>A store on a new database in <paramref name="encoding"/> (dropped when the test ends).</summary>
    private async Task<PostgreSqlJobStore> NewStoreAsync(string encoding)
    {
        _database = await PostgresServer.CreateDatabaseAsync(encoding);
        _source = PostgreSqlJobStore.CreateDataSource(_database.ConnectionString);
        return new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { ListenForChanges = false });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_source is not null)
            {
                await _source.DisposeAsync();
            }
        }
        finally
        {
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }
    }
}
