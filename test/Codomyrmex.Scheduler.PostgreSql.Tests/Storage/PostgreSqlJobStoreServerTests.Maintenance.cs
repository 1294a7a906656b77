using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>The heartbeat's blocking renewal stops when cancelled; recovery is not hidden by lost runs that must wait.</summary>
public sealed partial class PostgreSqlJobStoreServerTests
{
    [Fact]
    public async Task Renew_OnTheHeartbeatThread_WaitingForALock_StopsWhenCancelled()
    {
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema() });
        var heartbeat = new NodeHeartbeat { Node = Node, LeaseDuration = TimeSpan.FromMinutes(1) };
        await store.RenewAsync(heartbeat, Token);

        // Another transaction holds the node's row, so the renewal's upsert waits for it.
        await using NpgsqlConnection other = await PostgresServer.Admin.OpenConnectionAsync(Token);
        await using NpgsqlTransaction holding = await other.BeginTransactionAsync(Token);
        await HoldRowAsync(holding, $"\"{store.Schema}\".nodes", "instance_id", Node.InstanceId);

        using var cancel = new CancellationTokenSource();
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool onPool = true;
        var thread = new Thread(() =>
        {
            // A thread of its own, as the scheduler's heartbeat: the store answers with blocking I/O on it.
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            try
            {
                store.RenewAsync(heartbeat, cancel.Token).AsTask().GetAwaiter().GetResult();
                outcome.SetResult(null);
            }
#pragma warning disable CA1031 // The test asserts on the exception.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                outcome.SetResult(exception);
            }
        }) { IsBackground = true };
        thread.Start();
        await WaitUntilBlockedOnALockAsync(other.ProcessID);
        await cancel.CancelAsync();

        Exception? error = await outcome.Task.WaitAsync(Patience, Token);
        Assert.False(onPool);
        Assert.IsType<OperationCanceledException>(error, exactMatch: false);
        await holding.RollbackAsync(Token);

        // The connection kept for heartbeats still serves the next renewal.
        var next = new TaskCompletionSource<LeaseRenewal>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() => next.SetResult(store.RenewAsync(heartbeat, Token).AsTask().GetAwaiter().GetResult())) { IsBackground = true }.Start();
        Assert.Empty((await next.Task.WaitAsync(Patience, Token)).Lost);
    }

    [Fact]
    public async Task Recover_MoreThanOneCallsWorthOfJobsWhoseLostRunsMustWait_DoesNotHideTheOthersLostRuns()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero));
        PostgreSqlJobStore store = Open(new PostgreSqlJobStoreOptions { Schema = NewSchema(), TimeProvider = time });
        const int waiting = 120;
        var jobs = new List<Job>();
        for (int i = 0; i <= waiting; i++)
        {
            Job job = NewJob(time.GetUtcNow() - TimeSpan.FromSeconds(1)) with { Options = new JobOptions { Recoverable = true } };
            await store.AddAsync(job, Token);
            jobs.Add(job);
        }

        ClaimBatch claimed = await store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = waiting + 1, LeaseDuration = TimeSpan.FromMinutes(1) }, Token);
        Assert.Equal(waiting + 1, claimed.Runs.Count);
        time.Advance(TimeSpan.FromMinutes(2));

        // The first jobs by id (the order recovery reads them in) each hold a recovery in their retry slot, as a job does whose
        // earlier lost run was recovered and not yet run again: their lost runs must wait. The last job's need not.
        await using (NpgsqlCommand slot = PostgresServer.Admin.CreateCommand(
            $"UPDATE \"{store.Schema}\".jobs SET retry_at = @at, retry_is_recovery = true, retry_attempt = 1 WHERE id <> @last"))
        {
            slot.Parameters.AddWithValue("at", time.GetUtcNow().UtcTicks + TimeSpan.FromHours(1).Ticks);
            slot.Parameters.AddWithValue("last", jobs[^1].Id);
            Assert.Equal(waiting, await slot.ExecuteNonQueryAsync(Token));
        }

        IReadOnlyList<ClaimedRun> recovered = await store.RecoverExpiredAsync(Token);

        Assert.Equal([jobs[^1].Id], recovered.Select(r => r.Job.Id));
        Assert.Equal(waiting, await CountClaimsAsync(store.Schema));
    }
}
