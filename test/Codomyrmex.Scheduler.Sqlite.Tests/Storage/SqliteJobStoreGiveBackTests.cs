using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>A stopping scheduler gives the runs it claimed and never started back to the file, however short its shutdown timeout.</summary>
public sealed class SqliteJobStoreGiveBackTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How long a test waits for what must happen at once before it fails.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Stop_WithAZeroShutdownTimeout_GivesTheQueuedRunsBack_SoTheirOccurrencesAreDueAgain()
    {
        var clock = new FakeTimeProvider(T0);
        using var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = _folder.NewPath(), PollInterval = Timeout.InfiniteTimeSpan, TimeProvider = clock });
        await using var scheduler = new Scheduler(new SchedulerOptions
        {
            Store = store,
            TimeProvider = clock,
            TimeZone = TimeZoneInfo.Utc,
            MaxWorkers = 1,
            ShutdownTimeout = TimeSpan.Zero, // schedctl run --grace 0
        });
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.RegisterTask("hold", async (JobContext _, CancellationToken cancellationToken) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        });

        // Four jobs due together for one worker: one claim takes them all, one holds the worker, three wait in the queue.
        string[] ids = [.. Enumerable.Range(0, 4).Select(i => scheduler.Schedule("hold", Triggers.Every(minutes: 1), name: $"hold-{i}"))];
        scheduler.Start();
        clock.Advance(TimeSpan.FromMinutes(1));
        await entered.Task.WaitAsync(Guard, Ct);
        await scheduler.StopAsync(Ct).WaitAsync(Guard, Ct);

        // The held run was interrupted by the stop. The three queued runs are back in the file: not held (to lapse into
        // interrupted runs), not recorded, and due again at their time.
        var held = new List<string>();
        foreach (string id in ids)
        {
            Job job = (await store.GetAsync(id, Ct))!;
            Assert.Equal(0, job.ActiveRuns);
            IReadOnlyList<RunRecord> history = (await scheduler.GetRunsAsync(new RunQuery { JobId = id }, Ct)).Items;
            if (history.Count > 0)
            {
                Assert.Equal(RunOutcome.Interrupted, Assert.Single(history).Outcome);
                held.Add(id);
                continue;
            }

            // Claimed and given back, not never claimed: the claim's time stays its last run's.
            Assert.Equal((JobStatus.Pending, 0, T0.AddMinutes(1), T0.AddMinutes(1)), (job.Status, job.RunCount, job.NextRun, job.LastRun));
        }

        Assert.Single(held);
    }
}
