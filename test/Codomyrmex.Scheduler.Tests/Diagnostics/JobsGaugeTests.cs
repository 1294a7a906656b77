using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The jobs-by-status gauge: every status, from the in-memory store's own counts or, for any other store, from the count the
/// maintenance made; a collection never waits for the store, and never lists jobs.
/// </summary>
public sealed class JobsGaugeTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task JobsGauge_OnAnotherStore_ReportsTheMaintenancesCount_AndCallsNoStoreWhenCollected()
    {
        var clock = new FakeTimeProvider(Start);
        (IJobStore store, JobStoreContractTests.RecordingStore recorder) = JobStoreContractTests.RecordingStore.Wrap(new InMemoryJobStore(timeProvider: clock));
        using var meters = new OwnMeters();
        var jobs = new ConcurrentQueue<(string Status, long Value)>();
        using MeterListener meter = ListenToTheGauge(meters, jobs);
        await using var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = clock, Store = store, MeterFactory = meters });

        scheduler.Schedule(() => { }, name: "done");
        scheduler.Schedule(() => throw new InvalidOperationException(), name: "broken");
        scheduler.Cancel(scheduler.Schedule(() => { }, name: "dropped", trigger: Every(hours: 1)));
        for (int i = 0; i < 3; i++)
        {
            scheduler.Schedule(() => { }, name: "later", trigger: Every(hours: 1));
        }

        scheduler.Start();
        await scheduler.WhenIdleAsync(TestContext.Current.CancellationToken);

        // The maintenance (a minute after the start) counts the jobs once.
        recorder.Calls.Clear();
        clock.Advance(TimeSpan.FromMinutes(1));
        await scheduler.WhenIdleAsync(TestContext.Current.CancellationToken);
        Assert.Single(recorder.Of(nameof(IJobStore.CountAsync)));

        recorder.Calls.Clear();
        meter.RecordObservableInstruments();
        meter.RecordObservableInstruments();

        (string, long)[] counts = [("pending", 3L), ("running", 0L), ("completed", 1L), ("failed", 1L), ("cancelled", 1L)];
        Assert.Equal(counts.Concat(counts).OrderBy(m => Enum.Parse<JobStatus>(m.Item1, ignoreCase: true)),
            jobs.OrderBy(m => Enum.Parse<JobStatus>(m.Status, ignoreCase: true)));
        Assert.Empty(recorder.Of(nameof(IJobStore.CountAsync)));
        Assert.Empty(recorder.Of(nameof(IJobStore.ListAsync)));
    }

    [Fact]
    public async Task JobsGauge_OnTheInMemoryStore_ReadsItsCountsAtOnce()
    {
        var clock = new FakeTimeProvider(Start);
        using var meters = new OwnMeters();
        var jobs = new ConcurrentQueue<(string Status, long Value)>();
        using MeterListener meter = ListenToTheGauge(meters, jobs);
        await using var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = clock, MeterFactory = meters });
        scheduler.Schedule(() => { }, name: "later", trigger: Every(hours: 1));
        scheduler.Cancel(scheduler.Schedule(() => { }, name: "dropped", trigger: Every(hours: 1)));

        meter.RecordObservableInstruments();

        Assert.Equal(
            [("pending", 1L), ("running", 0L), ("completed", 0L), ("failed", 0L), ("cancelled", 1L)],
            jobs.OrderBy(m => Enum.Parse<JobStatus>(m.Status, ignoreCase: true)));
    }

    /// <summary>Listens to the jobs gauge of this test's scheduler only (tests running beside it have gauges of the same name).</summary>
    private static MeterListener ListenToTheGauge(OwnMeters meters, ConcurrentQueue<(string Status, long Value)> jobs)
    {
        var meter = new MeterListener();
        meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "codomyrmex.scheduler.jobs" && ReferenceEquals(instrument.Meter, meters.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meter.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            jobs.Enqueue(((string)tags.ToArray().Single(t => t.Key == "status").Value!, value)));
        meter.Start();
        return meter;
    }

    /// <summary>Makes the scheduler's meter and keeps it, so the listener can tell it from those of tests running beside this one.</summary>
    private sealed class OwnMeters : IMeterFactory
    {
        public Meter? Meter { get; private set; }

        public Meter Create(MeterOptions options) => Meter = new Meter(options);

        public void Dispose() => Meter?.Dispose();
    }
}
