using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// The store cancels a job in one SQL statement, which restates <see cref="JobState.Cancel"/> in SQL: for a job in each state it
/// can be in, the row it leaves is the row <see cref="JobState.Cancel"/> and <c>StampFinished</c> make of the row before it.
/// </summary>
public sealed class CancelSqlTests : IAsyncDisposable
{
    private static readonly NodeIdentity Node = new() { InstanceId = "node/1", Name = "node", Host = "test-host", ProcessId = 42 };

    /// <summary>How long a test waits for the server before it fails rather than hang (a guard, not a measurement).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);

    private readonly string _schema = PostgresServer.NewSchema();
    private readonly FakeTimeProvider _time = new(T0);
    private NpgsqlDataSource? _source;
    private PostgreSqlJobStore? _store;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("pending")]
    [InlineData("paused")]
    [InlineData("running")]
    [InlineData("queued behind a run")]
    [InlineData("retry pending")]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("cancelled")]
    public async Task Cancel_JobInEachState_LeavesTheRowJobStateCancelMakes_AndNotifiesEveryTime(string state)
    {
        PostgreSqlJobStore store = Open();
        string id = await ArrangeAsync(store, state);
        _time.Advance(TimeSpan.FromMinutes(7));
        JobRow before = await ReadRowAsync(id);
        Assert.True(state switch
        {
            "paused" => before.State.IsPaused,
            "running" => before.State.ActiveRuns == 1,
            "queued behind a run" => before.State.QueuedTicks != 0 && before.State.ActiveRuns == 1,
            "retry pending" => before.State.RetryAtTicks != 0,
            "completed" or "failed" or "cancelled" => before.FinishedAt != 0,
            _ => before.State.DueAtTicks != 0,
        }, $"the job is not {state}");
        JobRow expected = await ReadRowAsync(id);
        expected.State.Cancel();
        expected.StampFinished(_time.GetUtcNow().UtcTicks);
        var heard = new List<JobStoreChange>();
        store.Changed += (_, change) => heard.Add(change);

        Job? cancelled = await store.CancelAsync(id, Token);

        JobRow after = await ReadRowAsync(id);
        Assert.Equal(expected.State, after.State);
        Assert.Equal(expected.FinishedAt, after.FinishedAt);
        Assert.Equal((before.Name, before.Args, before.TriggerJson, before.Result, before.Error), (after.Name, after.Args, after.TriggerJson, after.Result, after.Error));
        Assert.NotNull(cancelled);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal(after.State.Version, cancelled.Version);
        Assert.Equal(after.State.ActiveRuns, cancelled.ActiveRuns);
        Assert.Equal(new DateTimeOffset(after.FinishedAt, TimeSpan.Zero), cancelled.FinishedAt);
        Assert.Null(cancelled.NextRun);
        JobStoreChange change = Assert.Single(heard);
        Assert.Equal((JobStoreChangeKind.Cancelled, id), (change.Kind, change.JobId));
    }

    [Fact]
    public async Task Cancel_UnknownJob_ReturnsNull_AndNotifiesNothing()
    {
        PostgreSqlJobStore store = Open();
        await store.AddAsync(NewJob("known", new OnceTrigger(T0 + TimeSpan.FromDays(1))), Token);
        var heard = new List<JobStoreChange>();
        store.Changed += (_, change) => heard.Add(change);

        Assert.Null(await store.CancelAsync("unknown", Token));

        Assert.Empty(heard);
        Assert.Equal(JobStatus.Pending, (await store.GetAsync("known", Token))!.Status);
    }

    [Fact]
    public async Task Cancel_RowHeldByAnotherTransaction_WaitsForIt_AndCancelsTheRowItLeft()
    {
        PostgreSqlJobStore store = Open();
        await store.AddAsync(NewJob("held", new OnceTrigger(T0 + TimeSpan.FromDays(1))), Token);
        long version = (await store.GetAsync("held", Token))!.Version;
        await using NpgsqlConnection other = await PostgresServer.Admin.OpenConnectionAsync(Token);
        await using NpgsqlTransaction holding = await other.BeginTransactionAsync(Token);
        await using (var bump = new NpgsqlCommand($"UPDATE \"{_schema}\".jobs SET version = version + 10 WHERE id = 'held'", other, holding))
        {
            Assert.Equal(1, await bump.ExecuteNonQueryAsync(Token));
        }

        Task<Job?> cancel = store.CancelAsync("held", Token).AsTask();

        // The cancel's statement reached the server and waits for the holder's row lock: a statement that skipped the locked
        // row or refused to wait would have finished instead.
        await WaitUntilBlockedByAsync(other.ProcessID, cancel);
        Assert.False(cancel.IsCompleted, "the cancel finished while another transaction held the job's row");
        await holding.CommitAsync(Token);
        Job? cancelled = await cancel;

        // The cancel saw the other transaction's version: it waited for the row, as a row lock would have made it.
        Assert.NotNull(cancelled);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal(version + 11, cancelled.Version);
        Assert.Equal(version + 11, (await ReadRowAsync("held")).State.Version);
    }

    [Fact]
    public async Task Cancel_NotifiesOtherSessionsOnTheStoresChannel()
    {
        PostgreSqlJobStore store = Open();
        var heard = new List<NpgsqlNotificationEventArgs>();
        await using var listener = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Pooling = false }.ConnectionString);
        await listener.OpenAsync(Token);
        listener.Notification += (_, notification) => heard.Add(notification);
        await using (var listen = new NpgsqlCommand($"LISTEN \"{PostgreSqlJobStore.ChannelOf(_schema)}\"", listener))
        {
            await listen.ExecuteNonQueryAsync(Token);
        }

        // The add's notification names the store that sent it (the first field): the cancel's must come from the same store.
        await store.AddAsync(NewJob("heard", new OnceTrigger(T0 + TimeSpan.FromDays(1))), Token);
        string added = await NextNotificationAsync(listener, heard);
        string storeId = added[..added.IndexOf('|', StringComparison.Ordinal)];
        Assert.Equal(
            ChangeListener.Payload(storeId, new JobStoreChange { Kind = JobStoreChangeKind.Added, JobId = "heard", DueAt = T0 + TimeSpan.FromDays(1) }),
            added);

        Assert.NotNull(await store.CancelAsync("heard", Token));

        Assert.Equal(
            ChangeListener.Payload(storeId, new JobStoreChange { Kind = JobStoreChangeKind.Cancelled, JobId = "heard" }),
            await NextNotificationAsync(listener, heard));
        Assert.Empty(heard);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_source is not null)
        {
            await _source.DisposeAsync();
            await PostgresServer.DropAsync(_schema);
        }
    }

    private PostgreSqlJobStore Open()
    {
        _source = PostgresServer.NewDataSource();
        _store = new PostgreSqlJobStore(_source, new PostgreSqlJobStoreOptions { Schema = _schema, TimeProvider = _time, ListenForChanges = false });
        return _store;
    }

    /// <summary>Brings a new job to <paramref name="state"/> through the store's own operations.</summary>
    private async Task<string> ArrangeAsync(PostgreSqlJobStore store, string state)
    {
        DateTimeOffset soon = T0 + TimeSpan.FromDays(1);
        switch (state)
        {
            case "pending":
                await store.AddAsync(NewJob(state, new OnceTrigger(soon)), Token);
                break;
            case "paused":
                await store.AddAsync(NewJob(state, new OnceTrigger(soon)), Token);
                Assert.True((await store.SetPausedAsync(state, paused: true, Token))!.IsPaused);
                break;
            case "running":
                await store.AddAsync(NewJob(state, new OnceTrigger(T0)), Token);
                Assert.Single((await ClaimAsync(store)).Runs);
                break;
            case "queued behind a run":
                await store.AddAsync(
                    NewJob(state, new IntervalTrigger(TimeSpan.FromSeconds(10), startTime: T0)) with { Options = new JobOptions { Overlap = OverlapPolicy.Queue } },
                    Token);
                Assert.Single((await ClaimAsync(store)).Runs);
                _time.Advance(TimeSpan.FromSeconds(10));
                Assert.Empty((await ClaimAsync(store)).Runs);
                break;
            case "retry pending":
            case "failed":
                await store.AddAsync(
                    NewJob(state, new OnceTrigger(T0)) with
                    {
                        Options = new JobOptions { MaxAttempts = state == "failed" ? 1 : 3, RetryDelay = TimeSpan.FromMinutes(1) },
                    },
                    Token);
                ClaimedRun failing = Assert.Single((await ClaimAsync(store)).Runs);
                await store.CompleteRunAsync(
                    new RunCompletion
                    {
                        Run = failing,
                        Outcome = RunOutcome.Failed,
                        StartedAt = T0,
                        FinishedAt = T0 + TimeSpan.FromSeconds(1),
                        Error = "boom",
                        RetryAfter = state == "failed" ? null : TimeSpan.FromHours(1),
                    },
                    Token);
                break;
            case "completed":
                await store.AddAsync(NewJob(state, new OnceTrigger(T0)), Token);
                ClaimedRun run = Assert.Single((await ClaimAsync(store)).Runs);
                await store.CompleteRunAsync(
                    new RunCompletion { Run = run, Outcome = RunOutcome.Succeeded, StartedAt = T0, FinishedAt = T0 + TimeSpan.FromSeconds(1) },
                    Token);
                break;
            case "cancelled":
                await store.AddAsync(NewJob(state, new OnceTrigger(soon)), Token);
                Assert.NotNull(await store.CancelAsync(state, Token));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state), state, null);
        }

        return state;
    }

    /// <summary>
    /// Waits until a backend of the test database runs the store's cancel statement and waits for a lock that the backend
    /// <paramref name="holder"/> holds; fails as soon as <paramref name="cancel"/> finishes first.
    /// </summary>
    private async Task WaitUntilBlockedByAsync(int holder, Task cancel)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Token);
        patience.CancelAfter(Patience);
        await using NpgsqlCommand blocked = PostgresServer.Admin.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' " +
            "AND @holder = ANY (pg_blocking_pids(pid)) AND strpos(query, @statement) > 0");
        blocked.Parameters.AddWithValue("holder", holder);
        blocked.Parameters.AddWithValue("statement", $"WITH c AS (UPDATE \"{_schema}\".jobs SET version = CASE WHEN status = 4");
        while ((long)(await blocked.ExecuteScalarAsync(patience.Token))! == 0)
        {
            Assert.False(cancel.IsCompleted, "the cancel finished without waiting for the row another transaction held");
            await Task.Delay(TimeSpan.FromMilliseconds(10), patience.Token);
        }
    }

    /// <summary>Takes the first notification heard on <paramref name="listener"/>, waiting for one if none came yet.</summary>
    private async Task<string> NextNotificationAsync(NpgsqlConnection listener, List<NpgsqlNotificationEventArgs> heard)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Token);
        patience.CancelAfter(Patience);
        while (heard.Count == 0)
        {
            await listener.WaitAsync(patience.Token);
        }

        NpgsqlNotificationEventArgs first = heard[0];
        heard.RemoveAt(0);
        Assert.Equal(PostgreSqlJobStore.ChannelOf(_schema), first.Channel);
        return first.Payload;
    }

    private static Task<ClaimBatch> ClaimAsync(PostgreSqlJobStore store) =>
        store.ClaimDueAsync(new ClaimRequest { Node = Node, MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(5) }, Token).AsTask();

    private async Task<JobRow> ReadRowAsync(string id)
    {
        await using NpgsqlCommand select = PostgresServer.Admin.CreateCommand($"SELECT {JobRow.Columns} FROM \"{_schema}\".jobs WHERE id = @id");
        select.Parameters.AddWithValue("id", id);
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token), $"no row for job '{id}'");
        return JobRow.Read(reader);
    }

    private static Job NewJob(string id, Trigger trigger) => new()
    {
        Id = id,
        Name = id,
        Task = "task",
        Trigger = trigger,
        Status = JobStatus.Pending,
        CreatedAt = T0,
        NextRun = trigger.GetNextRun(T0 - TimeSpan.FromTicks(1)),
        Version = 1,
    };
}
