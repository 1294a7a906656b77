using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The in-memory store's due heap: jobs added with few distinct due times (so most of them tie), some paused, resumed,
/// cancelled or deleted at random places in the heap: every claim takes the earliest due job left, the one added first among
/// equals, and each job exactly once.
/// </summary>
public sealed class InMemoryJobStoreHeapTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 700)]
    [InlineData(3, 5_000)]
    [InlineData(4, 20_000)]
    public async Task Claim_AfterRandomAddsPausesCancelsAndDeletes_TakesTheJobsInDueThenAddedOrder(int seed, int jobs)
    {
        var random = new Random(seed);
        var clock = new FakeTimeProvider(T0);
        var store = new InMemoryJobStore(timeProvider: clock);
        var node = NodeIdentity.Create("heap", T0);
        var request = new ClaimRequest { Node = node, MaxRuns = 1, LeaseDuration = TimeSpan.FromMinutes(5) };

        // The model: each live job's due time and the order it was added in.
        var live = new Dictionary<string, (DateTimeOffset Due, int Added)>(StringComparer.Ordinal);
        var paused = new HashSet<string>(StringComparer.Ordinal);
        var ids = new List<string>();
        for (int i = 0; i < jobs; i++)
        {
            // Ten distinct due times, an hour and more from now: nothing is due until the clock moves.
            DateTimeOffset due = T0.AddHours(1).AddSeconds(random.Next(10));
            string id = JobIds.Format(JobIds.NewKey());
            Assert.True((await store.AddAsync(NewJob(id, due), Token)).Added);
            live.Add(id, (due, i));
            ids.Add(id);

            string other = ids[random.Next(ids.Count)];
            switch (random.Next(12))
            {
                case 0 when live.ContainsKey(other):
                    await store.CancelAsync(other, Token);
                    live.Remove(other);
                    paused.Remove(other);
                    break;
                case 1 when live.ContainsKey(other):
                    Assert.True(await store.DeleteAsync(other, Token));
                    live.Remove(other);
                    paused.Remove(other);
                    break;
                case 2 when live.ContainsKey(other):
                    bool pause = !paused.Contains(other);
                    await store.SetPausedAsync(other, pause, Token);
                    _ = pause ? paused.Add(other) : paused.Remove(other);
                    break;
            }
        }

        // Resume half of the paused jobs: they take their place in the heap again.
        foreach (string id in paused.Where((_, i) => i % 2 == 0).ToList())
        {
            await store.SetPausedAsync(id, false, Token);
            paused.Remove(id);
        }

        List<string> expected = [.. live.Where(j => !paused.Contains(j.Key)).OrderBy(j => j.Value.Due).ThenBy(j => j.Value.Added).Select(j => j.Key)];
        clock.SetUtcNow(T0.AddHours(2));
        var claimed = new List<string>();
        while ((await store.ClaimDueAsync(request, Token)).Runs is [ClaimedRun run])
        {
            Assert.Equal(live[run.JobId].Due, run.ScheduledTime);
            claimed.Add(run.JobId);
        }

        Assert.Equal(expected, claimed);
    }

    private static Job NewJob(string id, DateTimeOffset due) => new()
    {
        Id = id,
        Name = "heap",
        Func = static () => { },
        Trigger = new OnceTrigger(due),
        CreatedAt = T0,
        NextRun = due,
        Version = 1,
    };
}
