using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>Upgrading a schema made by an earlier version of the store.</summary>
public sealed partial class PostgreSqlJobStoreServerTests
{
    [Fact]
    public async Task Migrate_FromVersion2_KeepsTheJobCounts_AndCountsEachStatementFromThen()
    {
        // Jobs of every class but running, made by this store in a schema of its own: three ran and succeeded, one failed,
        // one was cancelled, two are pending (one due, one not).
        PostgreSqlJobStore maker = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema(), ListenForChanges = false });
        DateTimeOffset notYet = new(2026, 12, 24, 0, 0, 0, TimeSpan.Zero);
        Job succeeded = NewJob();
        await maker.AddManyAsync([succeeded, NewJob(), NewJob(), NewJob()], Token);
        IReadOnlyList<ClaimedRun> ran = (await maker.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10 }, Token)).Runs;
        Assert.Equal(4, ran.Count);
        for (int i = 0; i < ran.Count; i++)
        {
            RunCompletion completion = i != 2 ? Completed(ran[i]) : new()
            {
                Run = ran[i], Outcome = RunOutcome.Failed, Error = "boom", StartedAt = ran[i].ClaimedAt, FinishedAt = ran[i].ClaimedAt,
            };
            Assert.Equal(RunCompletionStatus.Recorded, (await maker.CompleteRunAsync(completion, Token)).Status);
        }

        Job cancelled = NewJob(at: notYet);
        Job due = NewJob();
        Job later = NewJob(at: notYet);
        await maker.AddManyAsync([cancelled, due, later], Token);
        await maker.CancelAsync(cancelled.Id, Token);
        Assert.Equal(
            new Dictionary<JobStatus, long>
            {
                [JobStatus.Pending] = 2, [JobStatus.Running] = 0, [JobStatus.Completed] = 3, [JobStatus.Failed] = 1, [JobStatus.Cancelled] = 1,
            },
            await CountRowsAsync(maker.Schema));

        // A schema at version 2, as that version of the store left it, holding those jobs: its row triggers counted them.
        string schema = NewSchema();
        await using (NpgsqlConnection connection = await PostgresServer.Admin.OpenConnectionAsync(Token))
        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync(Token))
        {
            string columns;
            await using (var list = new NpgsqlCommand(
                "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns " +
                "WHERE table_schema = @schema AND table_name = 'jobs' AND column_name <> 'seq'", connection, transaction))
            {
                list.Parameters.AddWithValue("schema", maker.Schema);
                columns = (string)(await list.ExecuteScalarAsync(Token))!;
            }

            string version2 = $"CREATE SCHEMA \"{schema}\"; SET LOCAL search_path TO \"{schema}\"; " +
                StoreSchema.ReadScript("001_initial.sql") + ";\n" + StoreSchema.ReadScript("002_queries.sql") + ";\n" +
                "CREATE TABLE schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL); " +
                "INSERT INTO schema_version (id, version) VALUES (1, 2); " +
                $"INSERT INTO jobs ({columns}) SELECT {columns} FROM \"{maker.Schema}\".jobs ORDER BY seq";
            await using (var create = new NpgsqlCommand(version2, connection, transaction))
            {
                await create.ExecuteNonQueryAsync(Token);
            }

            await transaction.CommitAsync(Token);
        }

        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = schema, ListenForChanges = false });
        await store.MigrateAsync(Token);
        Assert.Equal(await CountRowsAsync(maker.Schema), await CountRowsAsync(schema));
        await ExpectCountsOfTheRowsAsync(store);
        await using (NpgsqlCommand read = PostgresServer.Admin.CreateCommand(
            $"SELECT (SELECT version FROM \"{schema}\".schema_version), " +
            $"(SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = '\"{schema}\".jobs'::regclass AND NOT tgisinternal)"))
        await using (NpgsqlDataReader reader = await read.ExecuteReaderAsync(Token))
        {
            Assert.True(await reader.ReadAsync(Token));
            Assert.Equal(StoreSchema.CurrentVersion, reader.GetInt32(0));
            Assert.Equal("jobs_counted_delete,jobs_counted_insert,jobs_counted_update", reader.GetString(1));
        }

        // From then on each statement moves the counts: a claim (no class changes), a completion, a cancel, a delete, an add.
        ClaimedRun run = Assert.Single((await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10 }, Token)).Runs);
        Assert.Equal(due.Id, run.JobId);
        await ExpectCountsOfTheRowsAsync(store);
        Assert.Equal(RunCompletionStatus.Recorded, (await store.CompleteRunAsync(Completed(run), Token)).Status);
        await ExpectCountsOfTheRowsAsync(store);
        await store.CancelAsync(later.Id, Token);
        Assert.True(await store.DeleteAsync(succeeded.Id, Token));
        await store.AddAsync(NewJob(at: notYet), Token);
        JobCounts counts = await ExpectCountsOfTheRowsAsync(store);
        Assert.Equal((1L, 0L, 3L, 1L, 2L), (counts.Pending, counts.Running, counts.Completed, counts.Failed, counts.Cancelled));
    }

    /// <summary>The jobs of a schema counted from their rows, by status: what the counters must say.</summary>
    private static async Task<Dictionary<JobStatus, long>> CountRowsAsync(string schema)
    {
        var counts = Enum.GetValues<JobStatus>().ToDictionary(s => s, _ => 0L);
        await using NpgsqlCommand count = PostgresServer.Admin.CreateCommand($"SELECT status, count(*) FROM \"{schema}\".jobs GROUP BY status");
        await using NpgsqlDataReader reader = await count.ExecuteReaderAsync(Token);
        while (await reader.ReadAsync(Token))
        {
            counts[(JobStatus)reader.GetInt32(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    private static async Task<JobCounts> ExpectCountsOfTheRowsAsync(PostgreSqlJobStore store)
    {
        Dictionary<JobStatus, long> rows = await CountRowsAsync(store.Schema);
        JobCounts counts = await store.CountAsync(Token);
        Assert.Equal(rows, Enum.GetValues<JobStatus>().ToDictionary(s => s, s => counts[s]));
        return counts;
    }
}
