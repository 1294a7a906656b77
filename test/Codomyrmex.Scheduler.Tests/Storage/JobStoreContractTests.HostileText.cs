using System.Text.Json;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;
using CsCheck;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// A run's error or result holding U+0000 or half a surrogate pair (a message read from a file or from a process's output): the
/// run is recorded all the same, and the text reads back the same on every store, or with those characters replaced by U+FFFD.
/// </summary>
public abstract partial class JobStoreContractTests
{
    /// <summary>Hostile error texts by name (theory data names them: a lone surrogate is no text a test's name can hold), and what reads back.</summary>
    private static readonly Dictionary<string, (string Error, string Recorded)> s_hostileErrors = new()
    {
        ["nul alone"] = ("\0", "\uFFFD"),
        ["nul inside"] = ("IOException: bad\0byte", "IOException: bad\uFFFDbyte"),
        ["nul at both ends"] = ("\0IOException: bad\0", "\uFFFDIOException: bad\uFFFD"),
        ["nuls in a row"] = ("a\0\0b", "a\uFFFD\uFFFDb"),
        ["lone high surrogate"] = ("high \uD83D here", "high \uFFFD here"),
        ["lone high surrogate at the end"] = ("cut \uD83D", "cut \uFFFD"),
        ["lone low surrogate"] = ("\uDE80 low first", "\uFFFD low first"),
        ["pair in the wrong order"] = ("\uDE80\uD83D", "\uFFFD\uFFFD"),
        ["valid pair"] = ("rocket \uD83D\uDE80", "rocket \uD83D\uDE80"),
        ["mixed with characters LATIN1 cannot hold"] = ("失败\0Ошибка \uD83D\uDE80\uD800é", "失败\uFFFDОшибка \uD83D\uDE80\uFFFDé"),
    };

    public static TheoryData<string> HostileErrors => [.. s_hostileErrors.Keys];

    /// <summary>Hostile string results by name, the JSON their run record keeps, and the value a read of the job gives back.</summary>
    private static readonly Dictionary<string, (string Result, string RecordJson, string ReadBack)> s_hostileResults = new()
    {
        ["nul alone"] = ("\0", "\"\\u0000\"", "\0"),
        ["nul inside"] = ("a\0b", "\"a\\u0000b\"", "a\0b"),
        ["nul at both ends"] = ("\0ab\0", "\"\\u0000ab\\u0000\"", "\0ab\0"),
        ["lone high surrogate"] = ("x\uD83Dy", "\"x\\uFFFDy\"", "x\uFFFDy"),
        ["lone low surrogate"] = ("\uDE80", "\"\\uFFFD\"", "\uFFFD"),
        ["valid pair"] = ("\uD83D\uDE80", "\"\\uD83D\\uDE80\"", "\uD83D\uDE80"),
        ["mixed"] = ("结果\0\uD800é\uD83D\uDE80", "\"结果\\u0000\\uFFFDé\\uD83D\\uDE80\"", "结果\0\uFFFDé\uD83D\uDE80"),
    };

    public static TheoryData<string> HostileResults => [.. s_hostileResults.Keys];

    [Theory]
    [MemberData(nameof(HostileErrors))]
    public async Task Complete_FailedWithAnErrorHoldingNulOrHalfASurrogatePair_IsRecorded_WithOnlyThoseCharactersReplaced(string name)
    {
        (string error, string recorded) = s_hostileErrors[name];
        (IJobStore store, Job job, ClaimedRun run) = await OneClaimedRunAsync();

        RunCompletionResult completed = await store.CompleteRunAsync(Completion(run, RunOutcome.Failed, T0.AddMinutes(1), error: error), Token);

        Assert.Equal(RunCompletionStatus.Recorded, completed.Status);
        Assert.Equal(recorded, completed.Job?.Error);
        foreach (IJobStore reader in (IJobStore[])[store, OpenSecond(store)])
        {
            Job read = (await reader.GetAsync(job.Id, Token))!;
            Assert.Equal((0, 1, recorded), (read.ActiveRuns, read.FailureCount, read.Error));
            RunRecord record = Assert.Single((await reader.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items);
            Assert.Equal((run.RunId, RunOutcome.Failed, recorded), (record.RunId, record.Outcome, record.Error));
            Assert.Equal(0, (await reader.CountAsync(Token)).Running);
        }
    }

    [Theory]
    [MemberData(nameof(HostileResults))]
    public async Task Complete_SucceededWithAResultHoldingNulOrHalfASurrogatePair_IsRecorded_AndReadsBack(string name)
    {
        (string result, string recordJson, string readBack) = s_hostileResults[name];
        (IJobStore store, Job job, ClaimedRun run) = await OneClaimedRunAsync();

        RunCompletionResult completed = await store.CompleteRunAsync(Completion(run, RunOutcome.Succeeded, T0.AddMinutes(1), result: result), Token);

        Assert.Equal(RunCompletionStatus.Recorded, completed.Status);
        foreach (IJobStore reader in (IJobStore[])[store, OpenSecond(store)])
        {
            Job read = (await reader.GetAsync(job.Id, Token))!;
            Assert.Equal((0, 1), (read.ActiveRuns, read.RunCount));

            // A durable store gives the JSON back as a node; the in-memory store gives back the value itself, as the job returned it.
            if (read.Result is JsonNode node)
            {
                Assert.Equal(readBack, node.GetValue<string>());
            }
            else
            {
                Assert.Same(result, read.Result);
            }

            Assert.Equal(recordJson, Assert.Single((await reader.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items).Result);
        }
    }

    [Theory]
    [InlineData("element")]
    [InlineData("node")]
    public async Task Complete_SucceededWithAJsonResultWhoseStringHoldsHalfASurrogatePair_IsRecorded_WithItReplaced(string shape)
    {
        // JSON may escape half a pair, which .NET's JSON reader takes as a document but will not read as a string; a job may
        // return it as a JsonElement or as a JsonNode parsed from the same text.
        const string Json = """{"a":"x\uDC00","b":["\uD83D\uDE80","\\uD800"],"c":"\uD800"}""";
        using JsonDocument document = JsonDocument.Parse(Json);
        object result = shape == "node" ? JsonNode.Parse(Json)! : document.RootElement.Clone();
        (IJobStore store, Job job, ClaimedRun run) = await OneClaimedRunAsync();

        RunCompletionResult completed = await store.CompleteRunAsync(
            Completion(run, RunOutcome.Succeeded, T0.AddMinutes(1), result: result), Token);

        Assert.Equal(RunCompletionStatus.Recorded, completed.Status);
        foreach (IJobStore reader in (IJobStore[])[store, OpenSecond(store)])
        {
            Job read = (await reader.GetAsync(job.Id, Token))!;
            Assert.Equal((0, 1), (read.ActiveRuns, read.RunCount));
            // The in-memory store gives back the value the job returned; a durable store the JSON it recorded, as a node.
            if (read.Result is JsonNode node && !ReferenceEquals(node, result))
            {
                Assert.Equal(("x\uFFFD", "\uD83D\uDE80", "\\uD800", "\uFFFD"),
                    (node["a"]!.GetValue<string>(), node["b"]![0]!.GetValue<string>(), node["b"]![1]!.GetValue<string>(), node["c"]!.GetValue<string>()));
            }

            Assert.Equal("{\"a\":\"x\uFFFD\",\"b\":[\"\\uD83D\\uDE80\",\"\\\\uD800\"],\"c\":\"\uFFFD\"}",
                Assert.Single((await reader.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items).Result);
        }
    }

    /// <summary>A new store with one job, whose run is claimed.</summary>
    private async Task<(IJobStore Store, Job Job, ClaimedRun Run)> OneClaimedRunAsync()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        return (store, job, (await ClaimAsync(store, T0.AddMinutes(1))).Runs[0]);
    }

    /// <summary>Any text, with U+0000, surrogates of both halves and plain letters more often than chance gives them.</summary>
    private static readonly Gen<string> HostileText = Gen.Frequency(
        (2, Gen.Char),
        (1, Gen.Const('\0')),
        (1, Gen.Char['\uD800', '\uDBFF']),
        (1, Gen.Char['\uDC00', '\uDFFF']),
        (2, Gen.Char['a', 'z'])).Array[0, 12].Select(chars => new string(chars));

    [Fact]
    public async Task Complete_AnyErrorText_IsRecorded_ReadingBackTheSameButForNulAndHalvesOfSurrogatePairs()
    {
        IJobStore store = CreateStore(new RunHistoryOptions { MaxRunsPerJob = 1 });
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        DateTimeOffset now = T0;
        await HostileText.SampleAsync(async error =>
        {
            now = now.AddSeconds(1);
            ClaimedRun run = (await ClaimNowAsync(store, job.Id, now))!;
            RunCompletionResult completed = await store.CompleteRunAsync(Completion(run, RunOutcome.Failed, now, error: error), Token);
            Assert.Equal(RunCompletionStatus.Recorded, completed.Status);
            string recorded = Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items).Error!;
            Assert.Equal(recorded, (await store.GetAsync(job.Id, Token))!.Error);

            // The same text, but for U+0000 and each half of a surrogate pair without its other half, which read back as U+FFFD.
            Assert.Equal(error.Length, recorded.Length);
            for (int i = 0; i < error.Length; i++)
            {
                bool paired = char.IsHighSurrogate(error[i]) ? i + 1 < error.Length && char.IsLowSurrogate(error[i + 1])
                    : !char.IsLowSurrogate(error[i]) || (i > 0 && char.IsHighSurrogate(error[i - 1]));
                Assert.Equal(error[i] == '\0' || !paired ? '\uFFFD' : error[i], recorded[i]);
            }
        }, iter: 40, threads: 1);
    }
}
