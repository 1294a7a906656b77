using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// A node stalled between the round trips of a claim, a completion, a run-now or a change of one job (update, pause, delete)
/// does not hold the jobs it locked: the server ends its session; and a claim that lost the race for a job says to look again at the next job, not at the one taken.
/// </summary>
public sealed partial class PostgreSqlJobStoreServerTests
{
    [Fact]
    public async Task Complete_NodeStalledBetweenRoundTrips_FreesTheJobOnTheServer_AndTheCompletionIsWrittenOnceWhenItWakes()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        ClaimedRun run = (await ClaimManyAsync(store, 1))[0];
        store.TransactionIdleTimeoutMilliseconds = 100;
        int stalls = 0;
        store.BetweenRoundTrips = async () =>
        {
            if (Interlocked.Increment(ref stalls) == 1)
            {
                // Stalled with the job locked: another transaction gets the job's row once the server ended the session.
                await LockJobFromAnotherConnectionAsync(store, run.Job.Id);
            }
        };
        int before = store.CompletionTransactions;

        RunCompletionResult result = await store.CompleteRunAsync(Completed(run), Token);

        Assert.Equal(RunCompletionStatus.Recorded, result.Status);
        Assert.Equal(2, stalls);
        Assert.Equal(2, store.CompletionTransactions - before);
        Assert.Equal([run.RunId], (await store.GetRunsAsync(default, Token)).Items.Select(r => r.RunId));
        Job? job = await store.GetAsync(run.Job.Id, Token);
        Assert.Equal(1, job?.RunCount);
        Assert.Equal(JobStatus.Completed, job?.Status);
        Assert.Equal(0, await CountClaimsAsync(store.Schema));
    }

    [Fact]
    public async Task ClaimNow_NodeStalledBetweenRoundTrips_FreesTheJobOnTheServer_AndTakesNothing()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        Job job = NewJob(LongAgo);
        await store.AddAsync(job, Token);
        store.TransactionIdleTimeoutMilliseconds = 100;
        int stalls = 0;
        store.BetweenRoundTrips = async () =>
        {
            if (Interlocked.Increment(ref stalls) == 1)
            {
                // Stalled with the job locked: another transaction gets the job's row once the server ended the session.
                await LockJobFromAnotherConnectionAsync(store, job.Id);
            }
        };

        var error = await Assert.ThrowsAsync<PostgresException>(async () => await store.ClaimNowAsync(job.Id, new ClaimRequest { Node = Node, LeaseDuration = TimeSpan.FromMinutes(5) }, Token));

        Assert.Equal("25P03", error.SqlState);
        Assert.Equal(0, await CountClaimsAsync(store.Schema));
        Assert.Equal(0, (await store.GetAsync(job.Id, Token))?.ActiveRuns);
        store.BetweenRoundTrips = null;
        store.TransactionIdleTimeoutMilliseconds = 5000;
        Assert.NotNull(await store.ClaimNowAsync(job.Id, new ClaimRequest { Node = Node, LeaseDuration = TimeSpan.FromMinutes(5) }, Token));
        Assert.Equal(1, await CountClaimsAsync(store.Schema));
    }

    [Theory]
    [InlineData("update")]
    [InlineData("pause")]
    [InlineData("delete")]
    public async Task ChangeJob_NodeStalledBetweenRoundTrips_FreesTheJobOnTheServer_WritesNothing_AndTheNextCallSucceeds(string change)
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema(), ListenForChanges = false });
        Job added = NewJob();
        await store.AddAsync(added, Token);
        Job job = (await store.GetAsync(added.Id, Token))!;
        string before = await RowTextAsync(store.Schema, job.Id);
        var log = new ChangeLog(store);
        store.TransactionIdleTimeoutMilliseconds = 100;
        int stalls = 0;
        store.BetweenRoundTrips = async () =>
        {
            if (Interlocked.Increment(ref stalls) == 1)
            {
                // Stalled with the job locked: another transaction gets the job's row once the server ended the session.
                await LockJobFromAnotherConnectionAsync(store, job.Id);
            }
        };

        var error = await Assert.ThrowsAsync<PostgresException>(() => ChangeJobAsync(store, job, change));

        Assert.Equal("25P03", error.SqlState);
        Assert.Equal(1, stalls);
        Assert.Equal(before, await RowTextAsync(store.Schema, job.Id));
        Assert.Empty(log.Kinds);

        // Awake again, the next call (through the same hook, which no longer stalls) changes the job. The idle limit is the
        // default again: a 100 ms limit can end a transaction that no test stalled on a loaded machine.
        store.TransactionIdleTimeoutMilliseconds = 5000;
        await ChangeJobAsync(store, job, change);

        Assert.Equal(2, stalls);
        Job? after = await store.GetAsync(job.Id, Token);
        switch (change)
        {
            case "update":
                Assert.Equal("renamed", after?.Name);
                Assert.Equal([JobStoreChangeKind.Updated], log.Kinds);
                break;
            case "pause":
                Assert.True(after?.IsPaused);
                Assert.Equal([JobStoreChangeKind.Paused], log.Kinds);
                break;
            default:
                Assert.Null(after);
                Assert.Equal([JobStoreChangeKind.Deleted], log.Kinds);
                break;
        }
    }

    [Fact]
    public async Task Claim_NodeStalledBetweenRoundTrips_FreesTheJobsOnTheServer_SoAnotherNodeClaimsThem_AndTheStalledClaimTakesNothing()
    {
        string schema = NewSchema();
        PostgreSqlJobStore stalled = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        PostgreSqlJobStore other = Open(new PostgreSqlJobStoreOptions { Schema = schema });
        Job job = NewJob(LongAgo);
        await stalled.AddAsync(job, Token);
        stalled.TransactionIdleTimeoutMilliseconds = 100;
        ClaimBatch? taken = null;
        stalled.BetweenRoundTrips = async () =>
        {
            await LockJobFromAnotherConnectionAsync(stalled, job.Id);
            taken = await other.ClaimDueAsync(new ClaimRequest { Node = new NodeIdentity { InstanceId = "node/2", Name = "other", Host = "test-host", ProcessId = 43 }, MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(5) }, Token);
        };

        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            await stalled.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(5) }, Token));

        Assert.Equal("25P03", error.SqlState);
        Assert.Equal([job.Id], taken!.Runs.Select(r => r.Job.Id));
        Assert.Equal(1, await CountClaimsAsync(schema));
        Assert.Equal(1, (await other.GetAsync(job.Id, Token))?.ActiveRuns);
    }

    public static TheoryData<int?, int> HeldDueJobCases => new()
    {
        // The next job that is not held (ms after now, none when null), and what the claim says (ms after now).
        { null, 10 },
        { 3_600_000, 10 },
        { 4, 4 },
        { 10, 10 },
    };

    [Theory]
    [MemberData(nameof(HeldDueJobCases))]
    public async Task Claim_EveryDueJobHeldByAnotherTransaction_SaysToLookAgainWhenTheNextJobIsDue_OrShortly(int? nextInMilliseconds, int expected)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero));
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema(), TimeProvider = time });
        Job held = NewJob(time.GetUtcNow() - TimeSpan.FromSeconds(1));
        await store.AddAsync(held, Token);
        if (nextInMilliseconds is { } ms)
        {
            await store.AddAsync(NewJob(time.GetUtcNow() + TimeSpan.FromMilliseconds(ms)), Token);
        }

        await using NpgsqlConnection connection = await PostgresServer.Admin.OpenConnectionAsync(Token);
        await using NpgsqlTransaction holding = await connection.BeginTransactionAsync(Token);
        await HoldRowAsync(holding, $"\"{store.Schema}\".jobs", "id", held.Id);

        ClaimBatch batch = await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(5) }, Token);

        Assert.Empty(batch.Runs);
        Assert.Equal(time.GetUtcNow(), batch.Now);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMilliseconds(expected), batch.NextDueAt);

        // Once the holder lets go without moving the job on (it rolled back), the job is claimed.
        await holding.RollbackAsync(Token);
        ClaimBatch after = await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(5) }, Token);
        Assert.Equal([held.Id], after.Runs.Select(r => r.Job.Id));
    }

    [Fact]
    public async Task Claim_NothingHeld_SaysTheNextDueTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero));
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema(), TimeProvider = time });
        await store.AddAsync(NewJob(time.GetUtcNow() + TimeSpan.FromHours(1)), Token);

        ClaimBatch batch = await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(5) }, Token);

        Assert.Empty(batch.Runs);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(1), batch.NextDueAt);
    }

    /// <summary>Updates (renames), pauses or deletes <paramref name="job"/>, as <paramref name="change"/> says, and checks that the store did it.</summary>
    private static async Task ChangeJobAsync(PostgreSqlJobStore store, Job job, string change)
    {
        switch (change)
        {
            case "update":
                Assert.Equal("renamed", (await store.UpdateAsync(job with { Name = "renamed" }, Token))?.Name);
                break;
            case "pause":
                Assert.True((await store.SetPausedAsync(job.Id, paused: true, Token))?.IsPaused);
                break;
            case "delete":
                Assert.True(await store.DeleteAsync(job.Id, Token));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }
    }

    /// <summary>The job's whole row as the server prints it, to compare a row before and after.</summary>
    private static async Task<string> RowTextAsync(string schema, string jobId)
    {
        await using NpgsqlCommand select = PostgresServer.Admin.CreateCommand($"SELECT j::text FROM \"{schema}\".jobs j WHERE j.id = @id");
        select.Parameters.AddWithValue("id", jobId);
        return Assert.IsType<string>(await select.ExecuteScalarAsync(Token));
    }

    /// <summary>
    /// Locks the job's row from another connection, which waits until the store's stalled transaction no longer holds it (the
    /// server ended its session), then lets it go.
    /// </summary>
    private static async Task LockJobFromAnotherConnectionAsync(PostgreSqlJobStore store, string jobId)
    {
        await using NpgsqlConnection connection = await PostgresServer.Admin.OpenConnectionAsync(Token);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(Token);
        await HoldRowAsync(transaction, $"\"{store.Schema}\".jobs", "id", jobId);
        await transaction.RollbackAsync(Token);
    }

    /// <summary>Locks one row of <paramref name="table"/> in <paramref name="holding"/>, waiting for it as long as the tests' patience lasts.</summary>
    private static async Task HoldRowAsync(NpgsqlTransaction holding, string table, string keyColumn, string key)
    {
        await using var hold = new NpgsqlCommand($"SELECT 1 FROM {table} WHERE {keyColumn} = @key FOR UPDATE", holding.Connection, holding);
        hold.Parameters.AddWithValue("key", key);
        hold.CommandTimeout = (int)Patience.TotalSeconds;
        Assert.Equal(1, await hold.ExecuteScalarAsync(Token));
    }

    private static async Task<long> CountClaimsAsync(string schema)
    {
        await using NpgsqlCommand count = PostgresServer.Admin.CreateCommand($"SELECT count(*) FROM \"{schema}\".claims");
        return (long)(await count.ExecuteScalarAsync(Token))!;
    }
}
