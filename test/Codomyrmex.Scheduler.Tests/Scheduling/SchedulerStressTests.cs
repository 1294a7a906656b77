using System.Collections.Concurrent;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Many threads schedule, cancel and run jobs now while jobs fire; afterwards the books must balance.</summary>
public sealed class SchedulerStressTests
{
    private sealed class Tally
    {
        public int Invocations;
        public int? MaxRuns;
        public volatile bool Cancelled;
        public int StartedAfterCancel;
        public int SawCancelReturned;
    }

    [Fact]
    public async Task ConcurrentScheduleCancelRunNow_WhileJobsFire_KeepsEveryInvariant()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        // The clock driver below moves virtual time by seconds per real microsecond, so on a loaded machine a run can outlast
        // a five-minute lease in virtual time while its body takes a moment of real time, and be recovered as lost. Leases are
        // not what this test is about: a lease of a virtual year keeps the books about Schedule, Cancel and RunNow alone.
        await using var scheduler = new Scheduler(new SchedulerOptions
        {
            MaxWorkers = 3,
            TimeProvider = clock,
            TimeZone = TimeZoneInfo.Utc,
            LeaseDuration = TimeSpan.FromDays(365),
            // For the same reason, cancelled and finished jobs are kept: in a loaded run (the whole suite beside it) the driver
            // passed the default week of retention, and a job the actors still name was purged ("vanished").
            Store = new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = clock, Retention = new JobRetentionOptions { FinishedJobs = null } }),
        });
        var tallies = new ConcurrentDictionary<string, Tally>();
        var ids = new ConcurrentQueue<string>();
        var manualFailures = 0;
        scheduler.Start();
        CancellationToken token = TestContext.Current.CancellationToken;

        Task[] actors = [.. Enumerable.Range(0, 4).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            for (int i = 0; i < 300; i++)
            {
                var tally = new Tally { MaxRuns = random.Next(3) == 0 ? random.Next(1, 4) : null };
                string id = scheduler.Schedule(
                    (ctx, ct) =>
                    {
                        // Not tallies[ctx.JobId]: the job may fire before Schedule has returned its id to this thread.
                        var mine = (Tally)ctx.Kwargs["tally"]!;
                        // Cancelled is set once Cancel has returned, and no run (scheduled or RunNow) may start after that. A run
                        // that started before Cancel's look may still reach this line after it returned: Cancel cancelled its
                        // token. A run Cancel found not started never starts, and Cancel leaves its token alone. So a body that
                        // sees the job cancelled and its token not is a run that started after Cancel returned.
                        if (mine.Cancelled)
                        {
                            Interlocked.Increment(ref mine.SawCancelReturned);
                            if (!ct.IsCancellationRequested)
                            {
                                Interlocked.Increment(ref mine.StartedAfterCancel);
                            }
                        }

                        Interlocked.Increment(ref mine.Invocations);
                        return random.Next(10) == 0 ? throw new InvalidOperationException("unlucky") : Task.FromResult<object?>(null);
                    },
                    trigger: Every(seconds: random.Next(1, 5)),
                    kwargs: new Dictionary<string, object?> { ["tally"] = tally },
                    maxRuns: tally.MaxRuns,
                    options: new JobOptions { Overlap = (OverlapPolicy)random.Next(3) });
                tallies[id] = tally;
                ids.Enqueue(id);
                string[] known = [.. ids];
                string other = known[random.Next(known.Length)];
                switch (random.Next(4))
                {
                    case 0:
                        // Marked once Cancel returned: no run may start after that.
                        Assert.True(scheduler.Cancel(other));
                        tallies[other].Cancelled = true;
                        break;
                    case 1:
                        try
                        {
                            scheduler.RunNow(other);
                        }
                        catch (InvalidOperationException)
                        {
                            Interlocked.Increment(ref manualFailures); // unlucky, cancelled meanwhile, or out of runs
                        }

                        break;
                    default:
                        _ = scheduler.GetJob(other) ?? throw new InvalidOperationException($"Job {other} vanished.");
                        _ = scheduler.ListJobs(JobStatus.Running);
                        break;
                }
            }
        }, token))];

        Task clockDriver = Task.Run(async () =>
        {
            while (!actors.All(a => a.IsCompleted))
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Yield();
            }
        }, token);

        await Task.WhenAll(actors).WaitAsync(TimeSpan.FromMinutes(2), token);
        await clockDriver.WaitAsync(TimeSpan.FromMinutes(1), token);
        for (int i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await scheduler.WhenIdleAsync(token).WaitAsync(TimeSpan.FromSeconds(30), token);
        }

        await scheduler.StopAsync(token);
        await scheduler.WhenIdleAsync(token).WaitAsync(TimeSpan.FromSeconds(30), token);

        IReadOnlyList<Job> jobs = scheduler.ListJobs();
        Assert.Equal(1200, jobs.Count);
        Assert.Equal(1200, jobs.Select(j => j.Id).Distinct().Count());
        Assert.True(tallies.Values.Sum(t => t.Invocations) > 1200, "jobs fired");
        foreach (Job job in jobs)
        {
            Tally tally = tallies[job.Id];
            Assert.True(job.ActiveRuns == 0, $"{job.Id} has {job.ActiveRuns} active runs");
            Assert.NotEqual(JobStatus.Running, job.Status);
            if (tally.Invocations != job.RunCount + job.FailureCount)
            {
                RunPage history = await scheduler.GetRunsAsync(new RunQuery { JobId = job.Id }, token);
                Assert.Fail($"{job.Id} ran its body {tally.Invocations} times but counts {job.RunCount} runs and {job.FailureCount} failures; " +
                    $"history: {string.Join(", ", history.Items.Select(r => $"{r.Outcome}{(r.IsManual ? " manual" : "")} attempt {r.Attempt} {r.Error}"))}");
            }
            if (job.MaxRuns is { } max)
            {
                Assert.True(tally.Invocations <= max, $"{job.Id} ran {tally.Invocations} times, max {max}");
            }

            Assert.True(!tally.Cancelled || job.Status == JobStatus.Cancelled, $"{job.Id} was cancelled but is {job.Status}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"bodies that reached their first line after Cancel returned (started before it, token cancelled): {tallies.Values.Sum(t => t.SawCancelReturned)}");
        Assert.Equal(0, tallies.Values.Sum(t => t.StartedAfterCancel));
        Assert.True(manualFailures > 0, "some manual runs failed or were refused");
    }
}
