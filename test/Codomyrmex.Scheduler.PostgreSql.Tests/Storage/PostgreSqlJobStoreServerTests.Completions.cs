using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>Group commit: completions that arrive while one is written are written together, and each caller gets its own answer.</summary>
public sealed partial class PostgreSqlJobStoreServerTests
{
    private static readonly DateTimeOffset LongAgo = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Complete_WhileAnotherCompletionIsWritten_QueuedOnesAreWrittenInOneTransaction_EachWithItsOwnAnswer()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        ClaimedRun[] runs = await ClaimManyAsync(store, 12);
        int before = store.CompletionTransactions;

        // Another node took over the second run (a newer token), and the third run's job was deleted.
        await using (NpgsqlCommand takeOver = PostgresServer.Admin.CreateCommand(
            $"UPDATE \"{store.Schema}\".claims SET token = token + 1000 WHERE run_id = @run; DELETE FROM \"{store.Schema}\".jobs WHERE id = @job"))
        {
            takeOver.Parameters.AddWithValue("run", runs[1].RunId);
            takeOver.Parameters.AddWithValue("job", runs[2].Job.Id);
            await takeOver.ExecuteNonQueryAsync(Token);
        }

        // The first completion's writer waits for a job row another transaction holds; meanwhile the others queue behind it.
        await using NpgsqlConnection other = await PostgresServer.Admin.OpenConnectionAsync(Token);
        await using NpgsqlTransaction holding = await other.BeginTransactionAsync(Token);
        Task<RunCompletionResult> first = await CompleteBehindALockAsync(store, runs[0], holding);
        Task<RunCompletionResult>[] queued = runs.Skip(1).Select(r => store.CompleteRunAsync(Completed(r), Token).AsTask()).ToArray();
        await holding.CommitAsync(Token);

        Assert.Equal(RunCompletionStatus.Recorded, (await first).Status);
        RunCompletionResult[] answers = await Task.WhenAll(queued);
        Assert.Equal(RunCompletionStatus.Fenced, answers[0].Status);
        Assert.Equal(RunCompletionStatus.NotFound, answers[1].Status);
        Assert.All(answers.Skip(2).Zip(runs.Skip(3)), pair =>
        {
            Assert.Equal(RunCompletionStatus.Recorded, pair.First.Status);
            Assert.Equal(pair.Second.Job.Id, pair.First.Job?.Id);
            Assert.Equal(1, pair.First.Job?.RunCount);
        });
        Assert.Equal(2, store.CompletionTransactions - before);
        Assert.Equal(10, (await store.GetRunsAsync(default, Token)).Total);
    }

    public static TheoryData<Exception, bool> BatchFailures => new()
    {
        { new PostgresException("deadlock detected", "ERROR", "ERROR", "40P01"), true },
        { new PostgresException("value too long", "ERROR", "ERROR", "22001"), true },
        { new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), false },
        { new PostgresException("terminating connection due to idle-in-transaction timeout", "FATAL", "FATAL", "25P03"), true },
        { new NpgsqlException("Exception while reading from stream", new IOException("connection reset")), false },
        { new NpgsqlException("Timeout during reading attempt", new TimeoutException()), false },
        { new InvalidOperationException("a rule refused the completion"), true },
    };

    [Theory]
    [MemberData(nameof(BatchFailures))]
    public void BatchThatFailed_IsWrittenAgainOneByOne_OnlyWhenItSurelyRolledBack(Exception exception, bool rolledBack) =>
        Assert.Equal(rolledBack, PostgreSqlJobStore.RolledBack(exception));

    [Fact]
    public async Task Complete_OneCompletionTheDatabaseRefuses_FailsAlone_TheOthersInItsBatchAreRecorded()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        ClaimedRun[] runs = await ClaimManyAsync(store, 3);

        // A rule of this database (a CHECK on the history, in the test's own schema) refuses one error: the history row of the
        // completion that fails with it is refused, with the whole batch it is written in.
        await using (NpgsqlCommand rule = PostgresServer.Admin.CreateCommand(
            $"ALTER TABLE \"{store.Schema}\".runs ADD CONSTRAINT refuses_one_error CHECK (error IS DISTINCT FROM 'refused by a rule')"))
        {
            await rule.ExecuteNonQueryAsync(Token);
        }

        await using NpgsqlConnection other = await PostgresServer.Admin.OpenConnectionAsync(Token);
        await using NpgsqlTransaction holding = await other.BeginTransactionAsync(Token);
        Task<RunCompletionResult> first = await CompleteBehindALockAsync(store, runs[0], holding);
        Task<RunCompletionResult> refused = store.CompleteRunAsync(
            new RunCompletion { Run = runs[1], Outcome = RunOutcome.Failed, StartedAt = runs[1].ClaimedAt, FinishedAt = runs[1].ClaimedAt, Error = "refused by a rule" },
            Token).AsTask();
        Task<RunCompletionResult> fine = store.CompleteRunAsync(Completed(runs[2]), Token).AsTask();
        await holding.CommitAsync(Token);

        Assert.Equal(RunCompletionStatus.Recorded, (await first).Status);
        Assert.Equal(RunCompletionStatus.Recorded, (await fine).Status);
        Assert.Equal(PostgresErrorCodes.CheckViolation, (await Assert.ThrowsAsync<PostgresException>(() => refused)).SqlState);
        Assert.Equal(
            new[] { runs[0].RunId, runs[2].RunId }.Order(StringComparer.Ordinal),
            (await store.GetRunsAsync(default, Token)).Items.Select(r => r.RunId).Order(StringComparer.Ordinal));
    }

    /// <summary>Locks the run's job in <paramref name="holding"/>, then completes the run: returns once the writer waits for the lock.</summary>
    private static async Task<Task<RunCompletionResult>> CompleteBehindALockAsync(PostgreSqlJobStore store, ClaimedRun run, NpgsqlTransaction holding)
    {
        await using (var hold = new NpgsqlCommand($"SELECT 1 FROM \"{store.Schema}\".jobs WHERE id = @id FOR UPDATE", holding.Connection, holding))
        {
            hold.Parameters.AddWithValue("id", run.Job.Id);
            await hold.ExecuteScalarAsync(Token);
        }

        Task<RunCompletionResult> completing = store.CompleteRunAsync(Completed(run), Token).AsTask();
        await WaitUntilBlockedOnALockAsync(holding.Connection!.ProcessID);
        return completing;
    }

    private async Task<ClaimedRun[]> ClaimManyAsync(PostgreSqlJobStore store, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await store.AddAsync(NewJob(LongAgo), Token);
        }

        ClaimBatch batch = await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = count, LeaseDuration = TimeSpan.FromMinutes(5) }, Token);
        Assert.Equal(count, batch.Runs.Count);
        return batch.Runs.OrderBy(r => r.Job.Id, StringComparer.Ordinal).ToArray();
    }

    private static RunCompletion Completed(ClaimedRun run) =>
        new() { Run = run, Outcome = RunOutcome.Succeeded, StartedAt = run.ClaimedAt, FinishedAt = run.ClaimedAt + TimeSpan.FromSeconds(1) };
}
