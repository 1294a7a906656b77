using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// A run that leaves text the database's encoding cannot hold (a job body throwing with a CJK message on LATIN1): the run is
/// still recorded, with those characters replaced, and the other completions of its batch are written with it.
/// </summary>
public sealed partial class ServerEncodingTests
{
    private const string Error = "失败 Ошибка: 结果 boom";

    [Theory]
    [InlineData("LATIN1", "?? ??????: ?? boom", "\"\\u7ED3\\u679C ok\"")]
    [InlineData("KOI8R", "?? Ошибка: ?? boom", "\"\\u7ED3\\u679C ok\"")]
    [InlineData("SQL_ASCII", Error, "\"结果 ok\"")]
    public async Task Complete_WithTextTheDatabaseCannotHold_IsRecordedWithThoseCharactersReplaced_AlongWithTheRestOfItsBatch(
        string encoding, string recordedError, string recordedResult)
    {
        await using PostgreSqlJobStore store = await NewStoreAsync(encoding);
        await store.AddManyAsync([.. "abcd".Select(id => QueryPlanTests.NewJob(id.ToString(), s_past))], Token);
        ClaimedRun[] runs = [.. (await store.ClaimDueAsync(new ClaimRequest { Node = s_node, MaxRuns = 4 }, Token)).Runs.OrderBy(run => run.Job.Id, StringComparer.Ordinal)];
        Assert.Equal(4, runs.Length);
        int before = store.CompletionTransactions;

        // The first completion's writer waits between its round trips while the other three queue: they are written as one batch.
        // It fails with the same text, so that on an encoding the store asks the server about (KOI8R), it has asked before
        // the others come, and they queue at once.
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BetweenRoundTrips = async () =>
        {
            store.BetweenRoundTrips = null;
            reached.SetResult();
            await release.Task;
        };
        Task<RunCompletionResult> first = store.CompleteRunAsync(Completion(runs[0], RunOutcome.Failed, error: Error), Token).AsTask();
        await reached.Task.WaitAsync(Token);
        Task<RunCompletionResult>[] batch =
        [
            store.CompleteRunAsync(Completion(runs[1], RunOutcome.Failed, error: Error), Token).AsTask(),
            store.CompleteRunAsync(Completion(runs[2]), Token).AsTask(),
            store.CompleteRunAsync(Completion(runs[3], result: "结果 ok"), Token).AsTask(),
        ];
        release.SetResult();

        Assert.Equal(RunCompletionStatus.Recorded, (await first).Status);
        Assert.All(await Task.WhenAll(batch), answer => Assert.Equal(RunCompletionStatus.Recorded, answer.Status));
        Assert.Equal(2, store.CompletionTransactions - before);

        foreach (string id in (string[])["a", "b"])
        {
            Job failed = (await store.GetAsync(id, Token))!;
            Assert.Equal((JobStatus.Failed, 0, recordedError), (failed.Status, failed.ActiveRuns, failed.Error));
            Assert.Equal(recordedError, (await store.GetRunsAsync(new RunQuery { JobId = id }, Token)).Items.Single().Error);
        }

        // A result keeps its value: a character the database cannot hold is kept as its JSON escape.
        Assert.Equal("结果 ok", ((JsonNode?)(await store.GetAsync("d", Token))!.Result)?.GetValue<string>());
        Assert.Equal(recordedResult, (await store.GetRunsAsync(new RunQuery { JobId = "d" }, Token)).Items.Single().Result);
        Assert.Equal(0, (await store.CountAsync(Token)).Running);
    }

    [Theory]
    [InlineData("LATIN1", "a???\u00E9", "\"x\\u0000\\uFFFD\\u4E2D\u00E9\"")]
    [InlineData("SQL_ASCII", "a\uFFFD\u4E2D\uFFFD\u00E9", "\"x\\u0000\\uFFFD\u4E2D\u00E9\"")]
    public async Task Complete_WithNulOrHalfASurrogatePair_OnADatabaseNotInUtf8_IsRecorded_ThoseReplacedByU_FFFD_ThenAsTheEncodingHoldsIt(
        string encoding, string recordedError, string recordedResult)
    {
        // U+0000 and half a pair are U+FFFD on every store; LATIN1 cannot hold U+FFFD either, so it is then "?" in an error and
        // its escape in a result, as any character LATIN1 cannot hold is.
        await using PostgreSqlJobStore store = await NewStoreAsync(encoding);
        await store.AddManyAsync([.. "ab".Select(id => QueryPlanTests.NewJob(id.ToString(), s_past))], Token);
        ClaimedRun[] runs = [.. (await store.ClaimDueAsync(new ClaimRequest { Node = s_node, MaxRuns = 2 }, Token)).Runs.OrderBy(run => run.Job.Id, StringComparer.Ordinal)];

        RunCompletionResult failed = await store.CompleteRunAsync(Completion(runs[0], RunOutcome.Failed, error: "a\0\u4E2D\uD800\u00E9"), Token);
        RunCompletionResult succeeded = await store.CompleteRunAsync(Completion(runs[1], result: "x\0\uDC00\u4E2D\u00E9"), Token);

        Assert.Equal((RunCompletionStatus.Recorded, RunCompletionStatus.Recorded), (failed.Status, succeeded.Status));
        Assert.Equal(recordedError, (await store.GetAsync("a", Token))!.Error);
        Assert.Equal(recordedError, (await store.GetRunsAsync(new RunQuery { JobId = "a" }, Token)).Items.Single().Error);
        Assert.Equal("x\0\uFFFD\u4E2D\u00E9", ((JsonNode?)(await store.GetAsync("b", Token))!.Result)?.GetValue<string>());
        Assert.Equal(recordedResult, (await store.GetRunsAsync(new RunQuery { JobId = "b" }, Token)).Items.Single().Result);
        Assert.Equal(0, (await store.CountAsync(Token)).Running);
    }

    private static RunCompletion Completion(ClaimedRun run, RunOutcome outcome = RunOutcome.Succeeded, string? error = null, object? result = null) =>
        new() { Run = run, Outcome = outcome, StartedAt = run.ClaimedAt, FinishedAt = run.ClaimedAt, Error = error, Result = result };
}
