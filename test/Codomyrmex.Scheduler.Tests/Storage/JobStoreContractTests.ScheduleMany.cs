using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Batch scheduling and reconciling through whole schedulers, on every store: <see cref="Scheduler.ScheduleManyAsync"/> adds
/// all or nothing, in order; <see cref="Scheduler.ReconcileAsync"/> asks the store for its source's jobs only and adds the
/// new ones in one call, and two nodes reconciling at once on two store instances end with one job per name.
/// </summary>
public abstract partial class JobStoreContractTests
{
    /// <summary>How one definition of a batch is not valid, and the words the error must have for it.</summary>
    public static TheoryData<string, string> InvalidDefinitions => new()
    {
        { "unknown task", "Job 'bad': unknown task 'missing'" },
        { "trigger never fires", "Job 'bad': the trigger" },
        { "max runs 0", "Job 'bad': max runs is 0" },
        { "invalid options", "Job 'bad': MaxAttempts is 0" },
        { "empty name", "A job definition has an empty name." },
        { "white-space name", "A job definition has an empty name." },
        { "args nested 65 deep", "Job 'bad': Its args" },
        { "kwargs nested 65 deep", "Job 'bad': Its kwargs" },
    };

    [Fact]
    public async Task ScheduleMany_AddsEveryJob_IdsInInputOrder_NamesMayRepeat_AndTheJobsHaveNoSource()
    {
        IJobStore store = CreateStore();
        await using Scheduler scheduler = NewBatchScheduler(Clock, store);
        JobDefinition[] definitions =
        [
            new() { Name = "same", Task = "work" },
            new() { Name = "every-5m", Task = "work", Trigger = Every(minutes: 5), Args = [1, "x"], Kwargs = new JsonObject { ["k"] = true } },
            new() { Name = "same", Task = "other", MaxRuns = 3 },
            new() { Name = "nightly", Task = "work", Trigger = Cron("0 3 * * *"), Options = new JobOptions { MaxAttempts = 2 } },
        ];

        IReadOnlyList<string> ids = await scheduler.ScheduleManyAsync(definitions, Token);

        Assert.Equal(definitions.Length, ids.Distinct().Count());
        Assert.Equal(ids, (await store.ListAsync(default, Token)).Items.Select(job => job.Id));
        for (int i = 0; i < ids.Count; i++)
        {
            Job job = (await store.GetAsync(ids[i], Token))!;
            Assert.Equal(definitions[i].Name, job.Name);
            Assert.Equal(definitions[i].Task, job.Task);
            Assert.Equal(definitions[i].MaxRuns, job.MaxRuns);
            Assert.Equal(definitions[i].Options, job.Options);
            Assert.Null(job.Source);
            Assert.Equal(JobStatus.Pending, job.Status);
            Assert.Equal(T0, job.CreatedAt);
        }

        Job interval = (await store.GetAsync(ids[1], Token))!;
        Assert.Equal(T0.AddMinutes(5), interval.NextRun);
        Assert.True(JsonNode.DeepEquals(new JsonArray(1, "x"), JobArguments.ToJson(interval.Args)));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["k"] = true }, JobArguments.ToJson(interval.Kwargs)));
        Assert.Equal(T0, (await store.GetAsync(ids[0], Token))!.NextRun);
        Assert.Equal(T0.AddHours(3), (await store.GetAsync(ids[3], Token))!.NextRun);
        Assert.Empty(await scheduler.ScheduleManyAsync([], Token));
        Assert.Equal(4, (await store.ListAsync(new JobQuery { Limit = 0 }, Token)).Total);
    }

    [Theory]
    [MemberData(nameof(InvalidDefinitions))]
    public async Task ScheduleMany_OneInvalidDefinitionInTheMiddle_AddsNothing_AndTheErrorNamesIt(string how, string words)
    {
        IJobStore store = CreateStore();
        await using Scheduler scheduler = NewBatchScheduler(Clock, store);
        string kept = await scheduler.ScheduleAsync("work", Every(hours: 1), name: "kept", cancellationToken: Token);
        var good = new JobDefinition { Name = "good", Task = "work" };
        JobDefinition bad = how switch
        {
            "unknown task" => new() { Name = "bad", Task = "missing" },
            "trigger never fires" => new() { Name = "bad", Task = "work", Trigger = Cron("0 0 30 2 *") },
            "max runs 0" => new() { Name = "bad", Task = "work", MaxRuns = 0 },
            "invalid options" => new() { Name = "bad", Task = "work", Options = new JobOptions { MaxAttempts = 0 } },
            "empty name" => new() { Name = "", Task = "work" },
            "white-space name" => new() { Name = " \t", Task = "work" },
            "args nested 65 deep" => new() { Name = "bad", Task = "work", Args = Nested(65) },
            _ => new() { Name = "bad", Task = "work", Kwargs = new JsonObject { ["deep"] = Nested(64) } },
        };

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(
            async () => await scheduler.ScheduleManyAsync([good, good, bad, good], Token));

        Assert.Contains(words, error.Message, StringComparison.Ordinal);
        Assert.Equal([kept], (await store.ListAsync(default, Token)).Items.Select(job => job.Id));
        Assert.Throws<ArgumentException>(() => scheduler.ScheduleMany([bad, good]));
        Assert.Equal(1, (await store.ListAsync(new JobQuery { Limit = 0 }, Token)).Total);
    }

    [Fact]
    public async Task ScheduleMany_TheJobsRun_AndAReconcileNeverTouchesThem()
    {
        IJobStore store = CreateStore();
        await using Scheduler scheduler = NewBatchScheduler(Clock, store);
        IReadOnlyList<string> ids = scheduler.ScheduleMany(
        [
            new JobDefinition { Name = "a", Task = "work" },
            new JobDefinition { Name = "a", Task = "work", Trigger = Every(minutes: 1), MaxRuns = 2 },
        ]);

        ReconcileResult declared = await scheduler.ReconcileAsync("jobs.json", [new JobDefinition { Name = "a", Task = "other" }], Token);
        ReconcileResult emptied = await scheduler.ReconcileAsync("jobs.json", [], Token);

        Assert.Equal(["a"], declared.Added);
        Assert.Equal(["a"], emptied.Removed);
        await scheduler.StartAsync(Token);

        // The one-shot job is due at once: its run is recorded before the clock moves, or a step of a whole lease (30 s) would
        // find it still held, its lease lapsed, and recover it as interrupted.
        await StepAsync(TimeSpan.Zero, [Clock], scheduler);
        for (int step = 0; step < 4; step++)
        {
            await StepAsync(TimeSpan.FromSeconds(30), [Clock], scheduler);
        }

        await scheduler.StopAsync(Token);
        Job once = (await store.GetAsync(ids[0], Token))!;
        Job twice = (await store.GetAsync(ids[1], Token))!;
        Assert.Equal((JobStatus.Completed, 1), (once.Status, once.RunCount));
        Assert.Equal((JobStatus.Completed, 2), (twice.Status, twice.RunCount));
    }

    [Fact]
    public async Task Reconcile_AsksTheStoreForItsSourceOnly_AndAddsTheNewJobsInOneCall()
    {
        (IJobStore store, RecordingStore recorder) = RecordingStore.Wrap(CreateStore());
        await using Scheduler scheduler = NewBatchScheduler(Clock, store);
        await scheduler.ScheduleManyAsync([.. Enumerable.Range(0, 50).Select(i => new JobDefinition { Name = $"code-{i}", Task = "work" })], Token);
        await scheduler.ReconcileAsync("other.json", [new JobDefinition { Name = "a", Task = "work" }], Token);
        await scheduler.ReconcileAsync("jobs.json", [new JobDefinition { Name = "a", Task = "work" }, new JobDefinition { Name = "b", Task = "work" }], Token);
        recorder.Calls.Clear();

        ReconcileResult result = await scheduler.ReconcileAsync("jobs.json",
        [
            new JobDefinition { Name = "c", Task = "work" },
            new JobDefinition { Name = "a", Task = "other" },
            new JobDefinition { Name = "d", Task = "work", Trigger = Every(hours: 1) },
            new JobDefinition { Name = "e", Task = "work" },
        ], Token);

        Assert.Equal(["c", "d", "e"], result.Added);
        Assert.Equal(["a"], result.Updated);
        Assert.Equal(["b"], result.Removed);
        (string Method, JobQuery? Query) list = Assert.Single(recorder.Of(nameof(IJobStore.ListAsync)));
        Assert.Equal(new JobQuery { Source = "jobs.json" }, list.Query);
        Assert.Single(recorder.Of(nameof(IJobStore.AddManyAsync)));
        Assert.Empty(recorder.Of(nameof(IJobStore.AddAsync)));
        JobPage declared = await store.ListAsync(new JobQuery { Source = "jobs.json", Status = JobStatus.Pending }, Token);
        Assert.Equal(["a", "c", "d", "e"], declared.Items.Select(job => job.Name));
        Assert.Equal(50 + 1 + 4, (await store.ListAsync(new JobQuery { Status = JobStatus.Pending, Limit = 0 }, Token)).Total);
    }

    [Fact]
    public async Task TwoNodesOnTwoStoreInstances_ReconcilingTheSameDefinitionsAtOnce_EndWithOneJobPerName()
    {
        JobDefinition[] definitions = [.. Enumerable.Range(0, 20).Select(i => new JobDefinition { Name = $"job-{i}", Task = "work", Trigger = Every(minutes: i + 1) })];
        string[] names = [.. definitions.Select(d => d.Name).Order(StringComparer.Ordinal)];
        for (int round = 0; round < 5; round++)
        {
            IJobStore first = CreateStore();
            IJobStore second = OpenSecond(first);
            await using Scheduler one = NewBatchScheduler(Clock, first);
            await using Scheduler two = NewBatchScheduler(Clock, second);

            ReconcileResult[] results = await Task.WhenAll(
                Task.Run(() => one.ReconcileAsync("jobs.json", definitions, Token), Token),
                Task.Run(() => two.ReconcileAsync("jobs.json", definitions, Token), Token));

            JobPage live = await first.ListAsync(new JobQuery { Source = "jobs.json", Status = JobStatus.Pending }, Token);
            Assert.Equal(names, live.Items.Select(job => job.Name).Order(StringComparer.Ordinal));
            Assert.Equal(names, results.SelectMany(result => result.Added).Order(StringComparer.Ordinal));
            Assert.All(results, result => Assert.Empty(result.Removed));
            Assert.Equal(20, (await first.ListAsync(new JobQuery { Limit = 0 }, Token)).Total);
        }
    }

    /// <summary>A scheduler as <see cref="NewScheduler"/> makes, with the tasks <c>work</c> and <c>other</c>.</summary>
    private static Scheduler NewBatchScheduler(FakeTimeProvider clock, IJobStore store)
    {
        Scheduler scheduler = NewScheduler(clock, store, (_, _) => Task.FromResult<object?>(null));
        scheduler.RegisterTask("work", () => { });
        scheduler.RegisterTask("other", () => { });
        return scheduler;
    }

    /// <summary>An array whose arrays nest <paramref name="depth"/> levels deep, itself included.</summary>
    private static JsonArray Nested(int depth) => depth == 1 ? [] : [Nested(depth - 1)];
}
