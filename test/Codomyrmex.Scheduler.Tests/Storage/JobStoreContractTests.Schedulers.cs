using System.Collections.Concurrent;
using System.Reflection;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Whole schedulers as nodes of one store, each on its own clock and the store on a third, on every store: the store's
/// clock decides leases and due times, so clocks that disagree by minutes never make two nodes hold one run.
/// </summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task TwoSchedulersWhoseClocksDisagreeByMinutes_NeverHoldOneRunAtOnce_AndRunEachOccurrenceOnceAndOnTime()
    {
        IJobStore first = CreateStore();
        IJobStore second = OpenSecond(first);
        var behind = new FakeTimeProvider(T0 - TimeSpan.FromMinutes(4));
        var ahead = new FakeTimeProvider(T0 + TimeSpan.FromMinutes(3));
        FakeTimeProvider[] clocks = [Clock, behind, ahead];

        var runs = new ConcurrentQueue<(bool OnSlow, DateTimeOffset Scheduled, TimeSpan Late, long Token)>();
        var entered = new TaskCompletionSource();
        int running = 0, mostAtOnce = 0;
        async Task<object?> Body(JobContext context, CancellationToken token)
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            runs.Enqueue((ReferenceEquals(context.TimeProvider, behind), context.ScheduledTime, Clock.GetUtcNow() - context.ScheduledTime, context.FencingToken));
            try
            {
                if (entered.TrySetResult())
                {
                    // The first run takes two and a half minutes, five leases: its node keeps it by renewing, and the other
                    // node, whose clock is seven minutes ahead, must not take it over.
                    await Task.Delay(TimeSpan.FromSeconds(150), context.TimeProvider, token);
                }
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }

            return null;
        }

        await using Scheduler slow = NewScheduler(behind, first, Body);
        await using Scheduler fast = NewScheduler(ahead, second, Body);
        Assert.NotEqual(slow.Node.InstanceId, fast.Node.InstanceId);

        string id = await slow.ScheduleAsync(task: "long", trigger: Every(minutes: 1), cancellationToken: Token);
        await slow.StartAsync(Token);
        while (!entered.Task.IsCompleted)
        {
            await StepAsync(TimeSpan.FromSeconds(5), clocks, slow);
        }

        await fast.StartAsync(Token);
        for (int step = 0; step < 12 * 8; step++)
        {
            await StepAsync(TimeSpan.FromSeconds(5), clocks, slow, fast);
        }

        await slow.StopAsync(Token);
        await fast.StopAsync(Token);
        Assert.Equal(1, mostAtOnce);
        Assert.True(runs.First().OnSlow);
        Assert.Equal(runs.Count, runs.Select(run => run.Scheduled).Distinct().Count());
        Assert.All(runs, run => Assert.InRange(run.Late, TimeSpan.Zero, TimeSpan.FromSeconds(5)));
        long[] tokens = [.. runs.Select(run => run.Token)];
        Assert.Equal(tokens.Order(), tokens);
        Assert.Equal(tokens.Length, tokens.Distinct().Count());

        // Minute 1 (the long run, to 3:30), then minutes 4 to 9: those of minutes 2 and 3 came while it ran and were skipped.
        Assert.Equal([1, 4, 5, 6, 7, 8, 9], runs.Select(run => (int)(run.Scheduled - T0).TotalMinutes));
        RunPage history = await first.GetRunsAsync(new RunQuery { JobId = id }, Token);
        Assert.Equal(7, history.Items.Count(record => record.Outcome == RunOutcome.Succeeded));
        Assert.DoesNotContain(history.Items, record => record.Outcome == RunOutcome.Interrupted);
    }

    [Fact]
    public async Task WhenQuiet_WaitsForTheOutcomeOfARunWhoseCodeReturned_SoTheNextStepFindsItRecorded()
    {
        // A run whose code has returned is still running in the store until its outcome is written: a test that moved the
        // clock on before that saw the next occurrence skipped as an overlap (a worker descheduled between the two on a busy
        // machine was enough).
        (IJobStore store, GatedCompletions completions) = GatedCompletions.Wrap(CreateStore());
        Scheduler? self = null;
        await using Scheduler node = NewScheduler(Clock, store, async (_, token) =>
        {
            // Returns once the dispatcher has settled, so that only the outcome is left to write.
            await self!.WhenQuietAsync(token);
            return null;
        });
        self = node;
        string id = await node.ScheduleAsync(task: "long", trigger: Every(seconds: 30), cancellationToken: Token);
        await node.StartAsync(Token);

        // Settled first (its wait for the job armed), as every step of the clock in these tests is: a dispatcher still in its
        // first claim when the clock jumps arms its wait from the time it read before the jump, a whole step late.
        await node.WhenQuietAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        Clock.Advance(TimeSpan.FromSeconds(30));
        Task quiet;
        try
        {
            await completions.Entered.WaitAsync(TimeSpan.FromSeconds(30), Token);
            quiet = node.WhenQuietAsync(Token);
            Assert.False(quiet.IsCompleted);
        }
        finally
        {
            // Whatever happened, the run's outcome gets written, so the scheduler can stop.
            completions.Open();
        }

        await quiet.WaitAsync(TimeSpan.FromSeconds(30), Token);
        RunPage history = await store.GetRunsAsync(new RunQuery { JobId = id }, Token);
        Assert.Equal(RunOutcome.Succeeded, Assert.Single(history.Items).Outcome);
        await node.StopAsync(Token);
    }

    [Fact]
    public async Task AWorker_TakesTheNextRun_WhileAnOutcomeIsWritten_AndStopWaitsForTheWrite()
    {
        // One worker, two runs due at once, and every completion held at a gate: the second run's code runs while the first
        // run's outcome is still being written, and Stop returns only once both outcomes are in the store.
        (IJobStore store, GatedCompletions completions) = GatedCompletions.Wrap(CreateStore());
        int ran = 0;
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var scheduler = new Scheduler(new SchedulerOptions
        {
            TimeProvider = Clock,
            TimeZone = TimeZoneInfo.Utc,
            Store = store,
            MaxWorkers = 1,
            ShutdownTimeout = TimeSpan.FromMinutes(1),
        });
        scheduler.RegisterTask("work", () =>
        {
            if (Interlocked.Increment(ref ran) == 2)
            {
                both.TrySetResult();
            }
        });
        string first = await scheduler.ScheduleAsync(task: "work", trigger: new OnceTrigger(Clock.GetUtcNow()), cancellationToken: Token);
        string second = await scheduler.ScheduleAsync(task: "work", trigger: new OnceTrigger(Clock.GetUtcNow()), cancellationToken: Token);

        await scheduler.StartAsync(Token);
        await completions.Entered.WaitAsync(TimeSpan.FromSeconds(30), Token);
        await both.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        Task stop = scheduler.StopAsync(Token);
        Assert.False(stop.IsCompleted, "Stop returned with outcomes still waiting to be written.");
        Assert.Equal(JobStatus.Running, (await store.GetAsync(first, Token))!.Status);

        completions.Open();
        await stop.WaitAsync(TimeSpan.FromSeconds(30), Token);
        foreach (string id in new[] { first, second })
        {
            Assert.Equal(JobStatus.Completed, (await store.GetAsync(id, Token))!.Status);
            RunPage history = await store.GetRunsAsync(new RunQuery { JobId = id }, Token);
            Assert.Equal(RunOutcome.Succeeded, Assert.Single(history.Items).Outcome);
        }
    }

    /// <summary>A scheduler named "node" (the instance ids tell them apart) on its own clock, running the task "long".</summary>
    private static Scheduler NewScheduler(FakeTimeProvider clock, IJobStore store, Func<JobContext, CancellationToken, Task<object?>> body)
    {
        var scheduler = new Scheduler(new SchedulerOptions
        {
            TimeProvider = clock,
            TimeZone = TimeZoneInfo.Utc,
            Store = store,
            LeaseDuration = TimeSpan.FromSeconds(30),
            NodeName = "node",
            ShutdownTimeout = TimeSpan.Zero,
        });
        scheduler.RegisterTask("long", body);
        return scheduler;
    }

    /// <summary>Moves every clock by <paramref name="step"/>, then lets each node claim, renew and recover what that made due.</summary>
    private static async Task StepAsync(TimeSpan step, FakeTimeProvider[] clocks, params Scheduler[] nodes)
    {
        foreach (FakeTimeProvider clock in clocks)
        {
            clock.Advance(step);
        }

        foreach (Scheduler node in nodes)
        {
            await node.WhenQuietAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        }
    }

    /// <summary>A real store whose completions wait at a gate until the test opens it; every other call passes on unchanged.</summary>
    public class GatedCompletions : DispatchProxy
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private IJobStore _inner = null!;

        /// <summary>Gets a task that completes when the first completion reaches the gate.</summary>
        public Task Entered => _entered.Task;

        public static (IJobStore Store, GatedCompletions Gate) Wrap(IJobStore inner)
        {
            IJobStore store = Create<IJobStore, GatedCompletions>();
            var gate = (GatedCompletions)(object)store;
            gate._inner = inner;
            return (store, gate);
        }

        /// <summary>Lets the completions waiting at the gate, and every later one, through.</summary>
        public void Open() => _open.TrySetResult();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IJobStore.CompleteRunAsync))
            {
#pragma warning disable CA2012 // Boxed only to be returned as the proxied call's result, which its caller awaits once.
                return CompleteAfterTheGateAsync((RunCompletion)args![0]!, (CancellationToken)args[1]!);
#pragma warning restore CA2012
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }

        private async ValueTask<RunCompletionResult> CompleteAfterTheGateAsync(RunCompletion completion, CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            return await _inner.CompleteRunAsync(completion, cancellationToken);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen = Volatile.Read(ref target);
        while (value > seen)
        {
            int previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
