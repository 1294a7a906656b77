using System.Collections.Concurrent;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Changed: raised with the job's id for every change a dispatcher relies on, outside the store's lock.</summary>
public abstract partial class JobStoreContractTests
{
    /// <summary>How long a test waits for something that happens at once unless the store deadlocks or never notices.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Lets <paramref name="store"/> notice changes that another instance made (a durable store polls for them); the
    /// in-memory store raises every change at once and needs nothing.
    /// </summary>
    protected virtual Task NoticeChangesAsync(IJobStore store) => Task.CompletedTask;

    [Fact]
    public async Task Changed_IsRaisedWithTheJobId_ForEveryChangeADispatcherReliesOn()
    {
        IJobStore store = CreateStore();
        var changes = new ConcurrentQueue<JobStoreChange>();
        store.Changed += (_, change) => changes.Enqueue(change);
        Job job = NewJob(EveryMinute(), options: new JobOptions { MaxAttempts = 2 });

        await store.AddAsync(job, Token);
        Expect(changes, JobStoreChangeKind.Added, job.Id, T0.AddMinutes(1));
        Job read = (await store.GetAsync(job.Id, Token))!;
        await store.UpdateAsync(read with { Name = "renamed" }, Token);
        Expect(changes, JobStoreChangeKind.Updated, job.Id);
        await store.SetPausedAsync(job.Id, paused: true, Token);
        Expect(changes, JobStoreChangeKind.Paused, job.Id);
        await store.SetPausedAsync(job.Id, paused: false, Token);
        Expect(changes, JobStoreChangeKind.Resumed, job.Id, T0.AddMinutes(1));

        // A failed attempt with a retry makes the job due earlier than its next occurrence.
        ClaimedRun first = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        await CompleteAsync(store, first, RunOutcome.Failed, T0.AddMinutes(1), error: "E: x", retryAt: T0.AddMinutes(1).AddSeconds(30));
        Expect(changes, JobStoreChangeKind.Completed, job.Id, T0.AddMinutes(1).AddSeconds(30));

        ClaimedRun retry = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(30), lease: TimeSpan.FromMinutes(1))).Runs);
        Assert.Equal(2, retry.Attempt);
        await RecoverAsync(store, T0.AddMinutes(3));
        Expect(changes, JobStoreChangeKind.Recovered, job.Id);
        await store.CancelAsync(job.Id, Token);
        Expect(changes, JobStoreChangeKind.Cancelled, job.Id);
        await store.DeleteAsync(job.Id, Token);
        Expect(changes, JobStoreChangeKind.Deleted, job.Id);
    }

    [Fact]
    public async Task Changed_IsRaisedOutsideTheStoresLock_AHandlerMayCallBackFromAnotherThread()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute());
        Job other = NewJob(EveryMinute());
        await store.AddAsync(other, Token);
        var seen = new List<(JobStoreChangeKind Kind, JobStatus? Status)>();
        bool paused = false;
        store.Changed += (_, change) =>
        {
            if (change.JobId != job.Id)
            {
                return;
            }

            // Another thread writes and reads through the other instance while this one waits in the handler: were the
            // store's lock or transaction still held, it could never finish.
            paused = !paused;
            Job? read = CallFromAnotherThread(async () =>
            {
                await second.SetPausedAsync(other.Id, paused, Token);
                return await second.GetAsync(job.Id, Token);
            });
            seen.Add((change.Kind, read?.Status));
        };

        await store.AddAsync(job, Token);
        await store.CancelAsync(job.Id, Token);
        Assert.Equal([(JobStoreChangeKind.Added, JobStatus.Pending), (JobStoreChangeKind.Cancelled, JobStatus.Cancelled)], seen);
        Assert.False((await store.GetAsync(other.Id, Token))!.IsPaused);
    }

    [Fact]
    public async Task Changed_AHandlerThatThrows_FailsNoWriteAndStopsNoOtherHandlerNorTheNoticingOfOtherInstances()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        var changes = new ConcurrentQueue<JobStoreChange>();
        var cancelled = new TaskCompletionSource<JobStoreChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        Job mine = NewJob(EveryMinute());
        Job theirs = NewJob(EveryMinute());
        Job later = NewJob(EveryMinute());
        int thrown = 0;
        store.Changed += (_, _) =>
        {
            Interlocked.Increment(ref thrown);
            throw new InvalidOperationException("A subscriber's own bug.");
        };
        store.Changed += (_, change) =>
        {
            changes.Enqueue(change);
            if (change.Kind == JobStoreChangeKind.Cancelled && change.JobId == later.Id)
            {
                cancelled.TrySetResult(change);
            }
        };

        // The write was made before its change is raised: it must not be reported as failed.
        Assert.True((await store.AddAsync(mine, Token)).Added);
        Expect(changes, JobStoreChangeKind.Added, mine.Id, T0.AddMinutes(1));
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        Assert.NotNull(await CompleteAsync(store, run, RunOutcome.Failed, T0.AddMinutes(1), error: "E: x", retryAt: T0.AddMinutes(1).AddSeconds(30)));
        Expect(changes, JobStoreChangeKind.Completed, mine.Id, T0.AddMinutes(1).AddSeconds(30));

        // Changes made through another instance are still noticed after a handler threw on one of them.
        await second.AddAsync(theirs, Token);
        await second.AddAsync(later, Token);
        await NoticeChangesAsync(store);
        await second.CancelAsync(later.Id, Token);
        await NoticeChangesAsync(store);
        Assert.Equal(later.Id, (await cancelled.Task.WaitAsync(Deadline, Token)).JobId);
        Assert.True(Volatile.Read(ref thrown) >= 3);
    }

    [Fact]
    public async Task Changed_ACancelThroughAnotherInstance_IsRaisedWithTheJobId()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        var cancelled = new TaskCompletionSource<JobStoreChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Changed += (_, change) =>
        {
            if (change.Kind == JobStoreChangeKind.Cancelled && change.JobId == job.Id)
            {
                cancelled.TrySetResult(change);
            }
        };

        await second.CancelAsync(job.Id, Token);
        await NoticeChangesAsync(store);
        JobStoreChange seen = await cancelled.Task.WaitAsync(Deadline, Token);
        Assert.Equal(job.Id, seen.JobId);
    }

    /// <summary>Asserts that the changes since the last look include one of this kind for this job (and its due time, if it says one).</summary>
    private static void Expect(ConcurrentQueue<JobStoreChange> changes, JobStoreChangeKind kind, string jobId, DateTimeOffset? dueAt = null)
    {
        var since = new List<JobStoreChange>();
        while (changes.TryDequeue(out JobStoreChange change))
        {
            since.Add(change);
        }

        JobStoreChange match = Assert.Single(since, c => c.Kind == kind && c.JobId == jobId);
        if (dueAt is not null && match.DueAt is { } due)
        {
            Assert.Equal(dueAt, due);
        }
    }

    /// <summary>Runs <paramref name="call"/> on a thread-pool thread and blocks this one until it ends (or fails the test as a deadlock).</summary>
    private static T CallFromAnotherThread<T>(Func<Task<T>> call)
    {
        Task<T> task = Task.Run(call);
        Assert.True(task.Wait(Deadline, Token), "The store deadlocked: the handler ran inside its lock or transaction.");
        return task.Result;
    }
}
