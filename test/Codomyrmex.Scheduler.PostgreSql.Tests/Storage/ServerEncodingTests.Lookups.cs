using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// A key a caller passes only to find something (a job's id, a run's id, a node's instance id) that the database's encoding
/// cannot hold: no row has it, so every lookup answers as the in-memory store does for a key it does not have, and changes nothing.
/// Text such a database cannot hold that a caller gives to be written (a job's name, a node's) is still refused whole.
/// </summary>
public sealed partial class ServerEncodingTests
{
    private static readonly DateTimeOffset s_past = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly NodeIdentity s_node = new() { InstanceId = "node/1", Name = "node", Host = "test-host", ProcessId = 42 };

    /// <summary>Every member of <see cref="IJobStore"/> that takes a key only to find something, and its answer as text.</summary>
    private static readonly (string Call, Func<IJobStore, string, Task<string>> Answer)[] s_lookups =
    [
        ("GetAsync", async (store, key) => Show(await store.GetAsync(key, Token))),
        ("CancelAsync", async (store, key) => Show(await store.CancelAsync(key, Token))),
        ("SetPausedAsync(true)", async (store, key) => Show(await store.SetPausedAsync(key, true, Token))),
        ("SetPausedAsync(false)", async (store, key) => Show(await store.SetPausedAsync(key, false, Token))),
        ("DeleteAsync", async (store, key) => (await store.DeleteAsync(key, Token)).ToString()),
        ("UpdateAsync", async (store, key) => Show(await store.UpdateAsync(QueryPlanTests.NewJob(key, s_far), Token))),
        ("ClaimNowAsync", async (store, key) => Show(await store.ClaimNowAsync(key, new ClaimRequest { Node = s_node }, Token))),
        ("GetRunsAsync", async (store, key) => Show(await store.GetRunsAsync(new RunQuery { JobId = key }, Token))),
        ("LeaveAsync", async (store, key) =>
        {
            await store.LeaveAsync(key, Token);
            return "left";
        }),
        ("CompleteRunAsync(job id)", (store, key) => CompleteAsync(store, Run(key, "run-1", s_node.InstanceId))),
        ("CompleteRunAsync(run id)", (store, key) => CompleteAsync(store, Run("plain-1", key, s_node.InstanceId))),
        ("CompleteRunAsync(instance id)", (store, key) => CompleteAsync(store, Run("plain-1", "run-1", key))),
        ("ReleaseRunsAsync(job id)", (store, key) => ReleaseAsync(store, Run(key, "run-1", s_node.InstanceId))),
        ("ReleaseRunsAsync(run id)", (store, key) => ReleaseAsync(store, Run("plain-1", key, s_node.InstanceId))),
        ("ReleaseRunsAsync(instance id)", (store, key) => ReleaseAsync(store, Run("plain-1", "run-1", key))),
        ("RenewAsync(run id)", async (store, key) =>
        {
            LeaseRenewal renewal = await store.RenewAsync(new NodeHeartbeat { Node = s_node, Runs = [new HeldRun { RunId = key, FencingToken = 1 }] }, Token);
            return $"renewed {renewal.Renewed}, lost {string.Join(",", renewal.Lost)}";
        }),
    ];

    public static TheoryData<string, string> KeysTheDatabaseCannotHold
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string encoding in (string[])["LATIN1", "SQL_ASCII", "KOI8R"])
            {
                // CJK; an emoji (a surrogate pair); the first character past LATIN1; ASCII and CJK mixed; U+0000, which no text holds.
                foreach (string key in (string[])["中文", "🚀", "\u0100", "plain-1中", "plain-1\0"])
                {
                    data.Add(encoding, key);
                }
            }

            data.Add("UTF8", "plain-1\0");
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KeysTheDatabaseCannotHold))]
    public async Task Lookups_ByAKeyTheDatabaseCannotHold_AnswerAsTheContractDoes_AndChangeNothing(string encoding, string key)
    {
        var memory = new InMemoryJobStore();
        await using PostgreSqlJobStore store = await NewStoreAsync(encoding);
        await SetUpAsync(memory);
        await SetUpAsync(store);
        string before = await SnapshotAsync(store);

        var expected = new List<string>();
        var actual = new List<string>();
        foreach ((string call, Func<IJobStore, string, Task<string>> answer) in s_lookups)
        {
            expected.Add($"{call}: {await AnswerAsync(memory, key, answer)}");
            actual.Add($"{call}: {await AnswerAsync(store, key, answer)}");
        }

        // Every call at once, so that a failure lists each call whose answer differs.
        Assert.Equal(string.Join('\n', expected), string.Join('\n', actual));

        Assert.Equal(before, await SnapshotAsync(store));

        static async Task SetUpAsync(IJobStore store)
        {
            await store.RenewAsync(new NodeHeartbeat { Node = s_node }, Token);
            await store.AddManyAsync([QueryPlanTests.NewJob("plain-1", s_far), QueryPlanTests.NewJob("plain-2", s_far)], Token);
            ClaimedRun run = (await store.ClaimNowAsync("plain-2", new ClaimRequest { Node = s_node }, Token))!;
            await store.CompleteRunAsync(new RunCompletion { Run = run, Outcome = RunOutcome.Succeeded, StartedAt = run.ClaimedAt, FinishedAt = run.ClaimedAt }, Token);
            await store.ClaimNowAsync("plain-1", new ClaimRequest { Node = s_node }, Token);
        }
    }

    [Fact]
    public async Task Lookups_ByAKeyWithHalfASurrogatePair_FindNothing_NotTheKeyWithU_FFFD()
    {
        // Half a surrogate pair has no UTF-8 form: sent, it would arrive as U+FFFD and find a job whose id holds that.
        await using PostgreSqlJobStore store = await NewStoreAsync("UTF8");
        await store.AddAsync(QueryPlanTests.NewJob("plain-\uFFFD", s_far), Token);

        Assert.Null(await store.GetAsync("plain-\uD800", Token));
        Assert.Null(await store.CancelAsync("plain-\uD800", Token));
        Assert.Empty((await store.ListAsync(new JobQuery { Name = "plain-\uD800" }, Token)).Items);
        Assert.Equal(JobStatus.Pending, (await store.GetAsync("plain-\uFFFD", Token))!.Status);
    }

    private static readonly NodeIdentity s_cjkNode = new() { InstanceId = "节点/1", Name = "节点", Host = "test-host", ProcessId = 42 };

    /// <summary>Every member of <see cref="IJobStore"/> that writes text a caller gives (a name, a node), given text LATIN1 cannot hold.</summary>
    private static readonly (string Call, Func<IJobStore, Task> Write)[] s_writes =
    [
        ("UpdateAsync", async store => await store.UpdateAsync(QueryPlanTests.NewJob("plain-1", s_far) with { Name = "名前" }, Token)),
        ("ClaimDueAsync", async store => await store.ClaimDueAsync(new ClaimRequest { Node = s_cjkNode, MaxRuns = 10 }, Token)),
        ("ClaimNowAsync", async store => await store.ClaimNowAsync("plain-1", new ClaimRequest { Node = s_cjkNode }, Token)),
        ("RenewAsync", async store => await store.RenewAsync(new NodeHeartbeat { Node = s_cjkNode }, Token)),
    ];

    [Fact]
    public async Task Writes_OfTextTheDatabaseCannotHold_AreRefusedWithItsError_AndChangeNothing()
    {
        await using PostgreSqlJobStore store = await NewStoreAsync("LATIN1");
        await store.AddManyAsync([QueryPlanTests.NewJob("plain-1", s_far), QueryPlanTests.NewJob("due", s_past)], Token);
        string before = await SnapshotAsync(store);

        foreach ((string call, Func<IJobStore, Task> write) in s_writes)
        {
            PostgresException refused = await Assert.ThrowsAsync<PostgresException>(() => write(store));
            Assert.Equal((call, PostgresErrorCodes.UntranslatableCharacter), (call, refused.SqlState));
            Assert.Equal((call, before), (call, await SnapshotAsync(store)));
        }
    }

    /// <summary>A lookup's answer, or what it threw (the exception's type, and the server's error code).</summary>
    private static async Task<string> AnswerAsync(IJobStore store, string key, Func<IJobStore, string, Task<string>> answer)
    {
        try
        {
            return await answer(store, key);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return $"threw {exception.GetType().Name} {(exception as PostgresException)?.SqlState}";
        }
    }

    /// <summary>What a lookup could change: every job's state, the counts, the history and the live nodes.</summary>
    private static async Task<string> SnapshotAsync(PostgreSqlJobStore store)
    {
        JobPage jobs = await store.ListAsync(new JobQuery(), Token);
        JobCounts counts = await store.CountAsync(Token);
        RunPage runs = await store.GetRunsAsync(default, Token);
        IReadOnlyList<NodeInfo> nodes = await store.ListNodesAsync(Token);
        return string.Join(" | ", jobs.Items.Select(job => $"{job.Id} {job.Name} {job.Status} v{job.Version} runs {job.RunCount} active {job.ActiveRuns} paused {job.IsPaused}"))
            + $" | counts {counts.Pending}/{counts.Running}/{counts.Completed}/{counts.Failed}/{counts.Cancelled} | history {runs.Total}"
            + $" | nodes {string.Join(",", nodes.Select(node => node.InstanceId))}";
    }

    private static ClaimedRun Run(string jobId, string runId, string instanceId) => new()
    {
        RunId = runId,
        Job = QueryPlanTests.NewJob(jobId, s_far),
        ScheduledTime = s_past,
        ClaimedAt = s_past,
        InstanceId = instanceId,
        NodeName = s_node.Name,
        LeaseUntil = s_far,
        FencingToken = 1,
    };

    private static async Task<string> CompleteAsync(IJobStore store, ClaimedRun run) =>
        (await store.CompleteRunAsync(new RunCompletion { Run = run, Outcome = RunOutcome.Failed, StartedAt = s_past, FinishedAt = s_past, Error = "boom" }, Token)).Status.ToString();

    private static async Task<string> ReleaseAsync(IJobStore store, ClaimedRun run) => string.Join(",", await store.ReleaseRunsAsync([run], Token));

    private static string Show(Job? job) => job is null ? "null" : $"job {job.Id}";

    private static string Show(ClaimedRun? run) => run is null ? "null" : $"run of {run.Job.Id}";

    private static string Show(RunPage page) => $"{page.Total} runs: {string.Join(",", page.Items.Select(run => run.RunId))}";
}
