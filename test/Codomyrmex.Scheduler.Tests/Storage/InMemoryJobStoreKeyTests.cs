using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The in-memory store's table of job ids: ids whose keys share the table's hash tag and start slot (built so, since the
/// hash has no secret), keys that differ only in their high or low bits, jobs deleted and added again so that the table's
/// directory reuses their places, and growth past several sizes: every id finds its own job, and only while it exists.
/// </summary>
public sealed class InMemoryJobStoreKeyTests
{
    private const ulong Fibonacci = 0x9E3779B97F4A7C15UL;

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The families of keys: each makes the key of job <c>i</c>.</summary>
    public static TheoryData<string> Families => ["same tag", "same start slot", "high bits only", "low bits only", "random"];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Get_HostileKeysAddedDeletedAndAddedAgain_FindsExactlyTheJobsThatExist(string family)
    {
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions());
        var random = new Random(16);
        var live = new Dictionary<string, Job>(StringComparer.Ordinal);
        var gone = new List<string>();
        int made = 0;
        for (int round = 0; round < 6; round++)
        {
            // Add enough to grow the table again, then delete a third of what is there, spread over the probe runs (keys
            // that share a start slot make one probe run of every job, so fewer of them).
            int add = (family is "same tag" or "same start slot" ? 30 : 300) << round;
            for (int i = 0; i < add; i++, made++)
            {
                Job job = NewJob(Key(family, made, random));
                Assert.True((await store.AddAsync(job, Token)).Added);
                live.Add(job.Id, job);
            }

            foreach (string id in live.Keys.Where((_, i) => i % 3 == round % 3).ToList())
            {
                Assert.True(await store.DeleteAsync(id, Token));
                live.Remove(id);
                gone.Add(id);
            }

            foreach ((string id, Job job) in live)
            {
                Job? found = await store.GetAsync(id, Token);
                Assert.NotNull(found);
                Assert.Equal(job.Name, found.Name);
            }

            foreach (string id in gone)
            {
                Assert.Null(await store.GetAsync(id, Token));
                Assert.False(await store.DeleteAsync(id, Token));
            }
        }

        // Deleted ids may be added again (their places in the table are free), and a live id is still refused.
        foreach (string id in gone.Take(200))
        {
            Assert.True((await store.AddAsync(NewJob(id), Token)).Added);
            live.Add(id, NewJob(id));
            Assert.Equal(id, (await store.GetAsync(id, Token))!.Id);
        }

        foreach (string id in live.Keys)
        {
            Assert.Equal(id, (await store.GetAsync(id, Token))!.Id);
        }

        string taken = live.Keys.First();
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddAsync(NewJob(taken), Token));
        JobCounts counts = await store.CountAsync(Token);
        Assert.Equal(live.Count, counts.Pending);
    }

    [Fact]
    public async Task Cancel_KeysSharingOneTag_CancelsOnlyTheJobAsked()
    {
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions());
        var random = new Random(7);
        string[] ids = [.. Enumerable.Range(0, 2_000).Select(i => Key("same tag", i, random))];
        foreach (string id in ids)
        {
            await store.AddAsync(NewJob(id), Token);
        }

        for (int i = 0; i < ids.Length; i += 2)
        {
            Assert.Equal(JobStatus.Cancelled, (await store.CancelAsync(ids[i], Token))!.Status);
        }

        for (int i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? JobStatus.Cancelled : JobStatus.Pending, (await store.GetAsync(ids[i], Token))!.Status);
        }
    }

    /// <summary>The id of job <paramref name="i"/> of a family of keys.</summary>
    private static string Key(string family, int i, Random random)
    {
        ulong n = (ulong)i + 1;
        ulong key = family switch
        {
            // The table's hash is the key times an odd constant, so a key is the hash times that constant's inverse: these
            // keys share the hash's top 32 bits (the tag, and so the start slot at every size).
            "same tag" => (0xDEADBEEFUL << 32 | n) * Inverse(Fibonacci),
            // The same top 20 bits, different tags: one start slot up to a million slots.
            "same start slot" => (0xABCDEUL << 44 | n << 12) * Inverse(Fibonacci),
            "high bits only" => n << 40,
            "low bits only" => n,
            _ => (ulong)random.NextInt64(long.MinValue, long.MaxValue),
        };
        string id = JobIds.Format(key);
        Assert.True(JobIds.TryParse(id, out ulong parsed) && parsed == key);
        return id;
    }

    /// <summary>The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits each step).</summary>
    private static ulong Inverse(ulong odd)
    {
        ulong inverse = odd;
        for (int i = 0; i < 6; i++)
        {
            inverse *= 2 - odd * inverse;
        }

        Assert.Equal(1UL, odd * inverse);
        return inverse;
    }

    private static Job NewJob(string id) => new()
    {
        Id = id,
        Name = "key-" + id[^4..],
        Func = static () => { },
        Trigger = new OnceTrigger(T0.AddHours(1)),
        CreatedAt = T0,
        NextRun = T0.AddHours(1),
        Version = 1,
    };
}
