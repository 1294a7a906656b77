using Codomyrmex.Scheduler.Storage;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Logs with stable event ids, the Codomyrmex.Scheduler meter and activity source.</summary>
public sealed class DiagnosticsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (Meter meter in Meters)
            {
                meter.Dispose();
            }
        }
    }

    /// <summary>A listener (not started) to every instrument of the meters <paramref name="meters"/> made.</summary>
    private static MeterListener ListenTo(TestMeterFactory meters) => new()
    {
        InstrumentPublished = (instrument, listener) =>
        {
            if (meters.Meters.Contains(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        },
    };

    [Fact]
    public async Task Logs_HaveStableEventIdsAndNameTheJob()
    {
        var clock = new FakeTimeProvider(Start);
        var logs = new CapturingLoggerFactory();
        await using var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = clock, LoggerFactory = logs, NodeName = "node-1" });
        scheduler.Schedule(() => throw new InvalidOperationException("boom"), name: "nightly-report");
        scheduler.Start();
        await scheduler.WhenIdleAsync(TestContext.Current.CancellationToken);
        await scheduler.StopAsync(TestContext.Current.CancellationToken);

        Assert.Contains(logs.Entries, e => e.Id.Id == 1000 && e.Message.Contains("node-1", StringComparison.Ordinal));
        var failed = Assert.Single(logs.Entries, e => e.Id.Id == 2002);
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Contains("nightly-report", failed.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: boom", failed.Message, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.Id.Id == 1003);
    }

    /// <summary>
    /// A run that started while nothing listened to the run instruments records neither its start nor its end, so a listener
    /// that comes in the middle sees the active-runs count balanced: only the runs that started after it.
    /// </summary>
    [Fact]
    public async Task Metrics_ListenerAttachedDuringARun_SeesOnlyRunsStartedAfterIt_Balanced()
    {
        var clock = new FakeTimeProvider(Start);
        using var meters = new TestMeterFactory();
        var active = new ConcurrentQueue<(long Value, string Job)>();
        var runs = new ConcurrentQueue<string>();
        using MeterListener listener = ListenTo(meters);
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? job = tags.ToArray().FirstOrDefault(t => t.Key == "job.name").Value as string;
            if (instrument.Name == "codomyrmex.scheduler.job.runs.active")
            {
                active.Enqueue((value, job ?? "(none)"));
            }
            else if (instrument.Name == "codomyrmex.scheduler.job.runs")
            {
                runs.Enqueue(job ?? "(none)");
            }
        });

        await using var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = clock, MeterFactory = meters });
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.Schedule(async () =>
        {
            entered.TrySetResult();
            await gate.Task;
        }, name: "before");
        scheduler.Start();
        await entered.Task.WaitAsync(TestContext.Current.CancellationToken);

        listener.Start();
        scheduler.Schedule(() => { }, name: "after");
        gate.TrySetResult();
        await scheduler.WhenIdleAsync(TestContext.Current.CancellationToken);

        Assert.Equal([(1L, "after"), (-1L, "after")], active.ToArray());
        Assert.Equal(["after"], runs.ToArray());
    }

    /// <summary>
    /// A run that another node started and lost is counted where it is recorded (an interrupted run), but its end is not
    /// taken off this node's active-runs count, which it never added to: the count must not go below zero.
    /// </summary>
    [Fact]
    public async Task Metrics_ARunLostByAnotherNode_IsCountedAsInterrupted_WithoutTakingAnActiveRunOff()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryJobStore(timeProvider: clock);
        await using (var writer = new Scheduler(new SchedulerOptions { TimeProvider = clock, Store = store }))
        {
            await writer.ScheduleAsync(() => { }, name: "lost", trigger: Every(minutes: 1), cancellationToken: TestContext.Current.CancellationToken);
        }

        // A node claims the run and dies: nothing renews its 30-second lease.
        clock.Advance(TimeSpan.FromMinutes(1));
        var dead = new NodeIdentity { InstanceId = "dead/1", Name = "dead", Host = "test-host", ProcessId = 42, StartedAt = Start };
        ClaimBatch claimed = await store.ClaimDueAsync(
            new ClaimRequest { Node = dead, MaxRuns = 1, LeaseDuration = TimeSpan.FromSeconds(30) }, TestContext.Current.CancellationToken);
        Assert.Single(claimed.Runs);
        clock.Advance(TimeSpan.FromSeconds(31));

        using var meters = new TestMeterFactory();
        var active = new ConcurrentQueue<long>();
        var runs = new ConcurrentQueue<string>();
        using MeterListener listener = ListenTo(meters);
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "codomyrmex.scheduler.job.runs.active")
            {
                active.Enqueue(value);
            }
            else if (instrument.Name == "codomyrmex.scheduler.job.runs")
            {
                runs.Enqueue(tags.ToArray().FirstOrDefault(t => t.Key == "outcome").Value as string ?? "(none)");
            }
        });
        listener.Start();

        await using var survivor = new Scheduler(new SchedulerOptions { TimeProvider = clock, Store = store, MeterFactory = meters });
        await survivor.StartAsync(TestContext.Current.CancellationToken);
        await survivor.WhenIdleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["interrupted"], runs.ToArray());
        Assert.Empty(active);
    }

    [Fact]
    public async Task Metrics_CountRunsByOutcome_DurationLatenessSkipsAndJobsByStatus()
    {
        var clock = new FakeTimeProvider(Start);
        using var meters = new TestMeterFactory();
        var longs = new ConcurrentQueue<(string Name, long Value, Dictionary<string, object?> Tags)>();
        var doubles = new ConcurrentQueue<(string Name, double Value)>();
        using MeterListener listener = ListenTo(meters);
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            longs.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => doubles.Enqueue((instrument.Name, value)));
        listener.Start();

        await using var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = clock, MeterFactory = meters });
        Assert.Equal("Codomyrmex.Scheduler", Assert.Single(meters.Meters).Name);
        scheduler.Schedule(() => { }, name: "ok");
        scheduler.Schedule(() => throw new InvalidOperationException(), name: "bad");
        scheduler.Schedule(() => { }, name: "late", trigger: Every(minutes: 10), options: new JobOptions { Misfire = MisfirePolicy.Skip });
        clock.Advance(TimeSpan.FromMinutes(15));
        scheduler.Start();
        await scheduler.WhenIdleAsync(TestContext.Current.CancellationToken);
        listener.RecordObservableInstruments();

        Assert.Contains(longs, m => m.Name == "codomyrmex.scheduler.job.runs" && (string?)m.Tags["outcome"] == "succeeded" && (string?)m.Tags["job.name"] == "ok");
        Assert.Contains(longs, m => m.Name == "codomyrmex.scheduler.job.runs" && (string?)m.Tags["outcome"] == "failed" && (string?)m.Tags["job.name"] == "bad");
        Assert.Contains(longs, m => m.Name == "codomyrmex.scheduler.job.skipped" && (string?)m.Tags["reason"] == "misfire");
        Assert.Equal(2, longs.Count(m => m.Name == "codomyrmex.scheduler.job.runs.active" && m.Value == 1));
        Assert.Equal(2, longs.Count(m => m.Name == "codomyrmex.scheduler.job.runs.active" && m.Value == -1));
        Assert.Equal(2, doubles.Count(m => m.Name == "codomyrmex.scheduler.job.run.duration"));
        Assert.Contains(doubles, m => m.Name == "codomyrmex.scheduler.job.run.lateness" && m.Value == TimeSpan.FromMinutes(15).TotalSeconds);
        Assert.Contains(longs, m => m.Name == "codomyrmex.scheduler.jobs" && (string?)m.Tags["status"] == "completed" && m.Value == 1);
        Assert.Contains(longs, m => m.Name == "codomyrmex.scheduler.jobs" && (string?)m.Tags["status"] == "failed" && m.Value == 1);
        Assert.Contains(longs, m => m.Name == "codomyrmex.scheduler.jobs" && (string?)m.Tags["status"] == "pending" && m.Value == 1);
        Assert.DoesNotContain(longs, m => m.Tags.ContainsKey("job.id"));
    }

    [Fact]
    public async Task Activities_OnePerRun_WithJobTagsAndErrorStatus()
    {
        var clock = new FakeTimeProvider(Start);
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Codomyrmex.Scheduler",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = clock });
        string good = scheduler.Schedule(() => { }, name: "good");
        string bad = scheduler.Schedule(() => throw new InvalidOperationException("x"), name: "bad");
        scheduler.Start();
        await scheduler.WhenIdleAsync(TestContext.Current.CancellationToken);

        Activity goodRun = Assert.Single(activities, a => (string?)a.GetTagItem("job.id") == good);
        Assert.Equal("good", goodRun.GetTagItem("job.name"));
        Assert.Equal("succeeded", goodRun.GetTagItem("job.outcome"));
        Activity badRun = Assert.Single(activities, a => (string?)a.GetTagItem("job.id") == bad);
        Assert.Equal(ActivityStatusCode.Error, badRun.Status);
    }
}
