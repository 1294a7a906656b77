using System.Collections.Concurrent;
using System.Threading.Channels;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Overlap, misfire, retry and timeout policies.</summary>
public partial class SchedulerTests
{
    /// <summary>A job body that blocks until released, and reports each start.</summary>
    private sealed class Gate
    {
        private readonly ConcurrentQueue<TaskCompletionSource> _releases = new();
        private readonly Channel<bool> _started = Channel.CreateUnbounded<bool>();
        private int _running;
        private int _maxRunning;

        public int Starts { get; private set; }

        public int MaxRunning => _maxRunning;

        public List<DateTimeOffset> Scheduled { get; } = [];

        public async Task<object?> RunAsync(JobContext context, CancellationToken token)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (this)
            {
                Starts++;
                Scheduled.Add(context.ScheduledTime);
                int running = Interlocked.Increment(ref _running);
                _maxRunning = Math.Max(_maxRunning, running);
            }

            _releases.Enqueue(release);
            _started.Writer.TryWrite(true);
            try
            {
                await release.Task.WaitAsync(token);
                return null;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        public Task<bool> WaitStartedAsync() => _started.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Guard);

        public void ReleaseAll()
        {
            while (_releases.TryDequeue(out TaskCompletionSource? release))
            {
                release.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task Overlap_Skip_SkipsOccurrencesWhileRunning()
    {
        var scheduler = NewScheduler();
        var gate = new Gate();
        var skipped = new ConcurrentBag<JobEvent>();
        scheduler.JobSkipped += (_, e) => skipped.Add(e);
        string id = scheduler.Schedule(gate.RunAsync, trigger: Every(minutes: 1));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await gate.WaitStartedAsync();
        Clock.Advance(TimeSpan.FromMinutes(1));
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(WaitForAsync(() => skipped.Count == 2));
        gate.ReleaseAll();
        await Idle(scheduler);
        Assert.Equal(1, gate.Starts);
        Assert.All(skipped, e => Assert.Equal(SkipReason.Overlap, e.SkipReason));
        Assert.Equal(Monday.AddMinutes(4), scheduler.GetJob(id)!.NextRun);
    }

    [Fact]
    public async Task Overlap_Queue_RunsOnceWhenTheCurrentRunEnds()
    {
        var scheduler = NewScheduler();
        var gate = new Gate();
        string id = scheduler.Schedule(gate.RunAsync, trigger: Every(minutes: 1), options: new JobOptions { Overlap = OverlapPolicy.Queue });
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await gate.WaitStartedAsync();
        Clock.Advance(TimeSpan.FromMinutes(1));
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(WaitForAsync(() => scheduler.GetJob(id)!.NextRun == Monday.AddMinutes(4)));
        gate.ReleaseAll();
        await gate.WaitStartedAsync();
        Assert.Equal(2, gate.Starts);
        Assert.Equal(Monday.AddMinutes(2), gate.Scheduled[1]);
        gate.ReleaseAll();
        await Idle(scheduler);
        Assert.Equal(2, scheduler.GetJob(id)!.RunCount);
    }

    [Fact]
    public async Task Overlap_Allow_RunsAlongside()
    {
        var scheduler = NewScheduler();
        var gate = new Gate();
        string id = scheduler.Schedule(gate.RunAsync, trigger: Every(minutes: 1), options: new JobOptions { Overlap = OverlapPolicy.Allow });
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await gate.WaitStartedAsync();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await gate.WaitStartedAsync();
        Assert.Equal(2, gate.MaxRunning);
        Assert.Equal(2, scheduler.GetJob(id)!.ActiveRuns);
        gate.ReleaseAll();
        await Idle(scheduler);
        Assert.Equal(2, scheduler.GetJob(id)!.RunCount);
    }

    [Fact]
    public async Task Misfire_RunOnce_CoalescesMissedOccurrences()
    {
        var scheduler = NewScheduler();
        var runs = new List<DateTimeOffset>();
        string id = scheduler.Schedule((ctx, ct) => { runs.Add(ctx.ScheduledTime); return Task.FromResult<object?>(null); }, trigger: Every(minutes: 10));
        Clock.Advance(TimeSpan.FromMinutes(35)); // stopped through 3 occurrences
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal([Monday.AddMinutes(10)], runs);
        Assert.Equal(Monday.AddMinutes(40), scheduler.GetJob(id)!.NextRun);
    }

    [Fact]
    public async Task Misfire_Skip_WaitsForTheNextFutureOccurrence()
    {
        var scheduler = NewScheduler();
        var skipped = new ConcurrentBag<JobEvent>();
        scheduler.JobSkipped += (_, e) => skipped.Add(e);
        int calls = 0;
        string id = scheduler.Schedule(() => calls++, trigger: Every(minutes: 10), options: new JobOptions { Misfire = MisfirePolicy.Skip });
        Clock.Advance(TimeSpan.FromMinutes(35));
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal(0, calls);
        Assert.Equal(SkipReason.Misfire, Assert.Single(skipped).SkipReason);
        Assert.Equal(Monday.AddMinutes(40), scheduler.GetJob(id)!.NextRun);
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Misfire_RunAll_CatchesUpEachOccurrence()
    {
        var scheduler = NewScheduler();
        var runs = new ConcurrentQueue<DateTimeOffset>();
        string id = scheduler.Schedule((ctx, ct) => { runs.Enqueue(ctx.ScheduledTime); return Task.FromResult<object?>(null); },
            trigger: Every(minutes: 10), options: new JobOptions { Misfire = MisfirePolicy.RunAll });
        Clock.Advance(TimeSpan.FromMinutes(35));
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal([Monday.AddMinutes(10), Monday.AddMinutes(20), Monday.AddMinutes(30)], runs.Order());
        Assert.Equal(3, scheduler.GetJob(id)!.RunCount);
    }

    [Fact]
    public async Task Misfire_WithinGraceTime_RunsNormally()
    {
        var scheduler = NewScheduler();
        int calls = 0;
        scheduler.Schedule(() => calls++, trigger: Every(minutes: 10), options: new JobOptions { Misfire = MisfirePolicy.Skip });
        Clock.Advance(TimeSpan.FromMinutes(10.5));
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Retries_FailingAttemptsAreRetriedWithBackoff()
    {
        var scheduler = NewScheduler();
        var attempts = new ConcurrentQueue<(int Attempt, DateTimeOffset At)>();
        string id = scheduler.Schedule((ctx, ct) =>
        {
            attempts.Enqueue((ctx.Attempt, ctx.FireTime));
            return ctx.Attempt < 3 ? throw new IOException("flaky") : Task.FromResult<object?>("ok");
        }, options: new JobOptions { MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(10) });
        scheduler.Start();
        await Idle(scheduler);
        Job waiting = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Pending, waiting.Status);
        Assert.Equal("IOException: flaky", waiting.Error);
        Assert.Equal(0, waiting.FailureCount);
        Assert.InRange(waiting.NextRun!.Value - Monday, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12));

        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));
        Job job = scheduler.GetJob(id)!;
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        DateTimeOffset[] at = [.. attempts.Select(a => a.At)];
        Assert.InRange(at[1] - at[0], TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(13));
        Assert.InRange(at[2] - at[1], TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(25));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("ok", job.Result);
        Assert.Null(job.Error);
        Assert.Equal(1, job.RunCount);
        Assert.Equal(0, job.FailureCount);
    }

    [Fact]
    public async Task Retries_Exhausted_RecordOneFailure()
    {
        var scheduler = NewScheduler();
        var failed = new ConcurrentBag<JobEvent>();
        var retrying = new ConcurrentBag<JobEvent>();
        scheduler.JobFailed += (_, e) => failed.Add(e);
        scheduler.JobRetrying += (_, e) => retrying.Add(e);
        int calls = 0;
        string id = scheduler.Schedule(() => { Interlocked.Increment(ref calls); throw new IOException("down"); },
            options: new JobOptions { MaxAttempts = 2, RetryDelay = TimeSpan.FromSeconds(1) });
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        Assert.Equal(2, calls);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(1, job.FailureCount);
        Assert.Equal("IOException: down", job.Error);
        JobEvent e = Assert.Single(failed);
        Assert.Equal(2, e.Attempt);
        Assert.IsType<IOException>(e.Exception);
        Assert.Null(e.RetryAt);

        // The first attempt's failure is announced as a retry, with its time; only the last one as a failure.
        JobEvent retry = Assert.Single(retrying);
        Assert.Equal(1, retry.Attempt);
        Assert.Equal("IOException: down", retry.Error);
        Assert.InRange(retry.RetryAt!.Value - retry.Time, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.2));
    }

    [Fact]
    public async Task Retries_LaterThanTheGraceTime_AreNotSkippedAsMisfires()
    {
        var scheduler = NewScheduler();
        int calls = 0;
        string id = scheduler.Schedule(() => { if (++calls == 1) { throw new IOException("once"); } },
            options: new JobOptions { MaxAttempts = 2, RetryDelay = TimeSpan.FromMinutes(5), MaxRetryDelay = TimeSpan.FromMinutes(10), Misfire = MisfirePolicy.Skip });
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));
        Assert.Equal(2, calls);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(id)!.Status);
    }

    [Fact]
    public async Task Retries_DoNotHoldAWorkerWhileWaiting()
    {
        var scheduler = NewScheduler(maxWorkers: 1);
        int other = 0;
        scheduler.Schedule(() => throw new IOException("down"), options: new JobOptions { MaxAttempts = 5, RetryDelay = TimeSpan.FromMinutes(10), MaxRetryDelay = TimeSpan.FromHours(1) });
        scheduler.Schedule(() => other++, trigger: Every(minutes: 1));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1));
        Assert.Equal(3, other);
    }

    [Fact]
    public async Task Timeout_CancelsTheTokenAndFailsWithTimeoutException()
    {
        var scheduler = NewScheduler();
        var started = new TaskCompletionSource();
        string id = scheduler.Schedule(async ct => { started.SetResult(); await Task.Delay(Timeout.Infinite, ct); },
            options: new JobOptions { Timeout = TimeSpan.FromSeconds(30) });
        scheduler.Start();
        await Within(started.Task);
        Clock.Advance(TimeSpan.FromSeconds(30));
        await Idle(scheduler);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.StartsWith("TimeoutException: Job '<lambda>' timed out after 00:00:30", job.Error, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), job.LastDuration);
    }

    /// <summary>
    /// Waits (on the real clock, bounded) for a condition that a background thread makes true. This never waits for a
    /// schedule: virtual time only moves when a test advances it.
    /// </summary>
    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > Guard)
            {
                throw new TimeoutException("The condition did not become true.");
            }

            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Advances virtual time step by step until a task completes (for waits whose start the test cannot see).</summary>
    private async Task AdvanceUntilAsync(Task task, TimeSpan step)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!task.IsCompleted)
        {
            if (deadline.Elapsed > Guard)
            {
                throw new TimeoutException("The task did not complete.");
            }

            Clock.Advance(step);
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        await task;
    }
}
