using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The in-memory store's table of exact names: hostile names, names whose hashes collide (made to, with a hash given to the
/// store), jobs renamed, deleted and added again: every exact name lists what a scan of all jobs finds.
/// </summary>
public sealed class InMemoryJobStoreNameTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>The hashes the store is given: its own, one for every name (every name collides), and two (half and half).</summary>
    public static TheoryData<string> Hashes => ["runtime", "all collide", "two buckets"];

    private static readonly string[] Hostile =
    [
        "a", "b", "b\0", "\0", "\0\0", " ", "\uFFFF", "\uFFFF\uFFFF", "\uFFFFa", "\uD800", "\uDC00", "\uD83D\uDE00", "\uD83D", "B", "é", "e\u0301",
        new string('x', 10_000), new string('x', 10_001), "tenant-1/x", "tenant-10/x", "job-0000001", "job-0000001\0",
    ];

    [Theory]
    [MemberData(nameof(Hashes))]
    public async Task List_ByExactName_HostileAndCollidingNames_MatchesAScanOfEveryJob(string hash)
    {
        Func<string, int> nameHash = hash switch
        {
            "all collide" => static _ => 42,
            "two buckets" => static name => name.Length & 1,
            _ => static name => name.GetHashCode(StringComparison.Ordinal),
        };
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions(), nameHash);
        var random = new Random(hash.Length);
        List<Job> live = [];
        for (int i = 0; i < 1_500; i++)
        {
            // Hostile names, shared by many jobs, and unique names that come and go (each a slot of its own).
            string name = random.Next(3) == 0 ? $"unique-{i}" : Hostile[random.Next(Hostile.Length)];
            Job job = NewJob(name, i);
            await store.AddAsync(job, Token);
            live.Add(job);
        }

        // Delete a third (emptying some names, leaving others with one job), rename a tenth (to another name and back again).
        foreach (Job gone in live.Where((_, i) => i % 3 == 1).ToList())
        {
            Assert.True(await store.DeleteAsync(gone.Id, Token));
            live.Remove(gone);
        }

        for (int i = 0; i < live.Count; i += 10)
        {
            Job renamed = live[i] with { Name = Hostile[(i / 10) % Hostile.Length], Version = live[i].Version };
            live[i] = (await store.UpdateAsync(renamed, Token))!;
        }

        // And add again after the deletes, so names that lost jobs get new ones after the survivors.
        for (int i = 1_500; i < 1_800; i++)
        {
            Job job = NewJob(random.Next(2) == 0 ? $"unique-{i % 1_500}" : Hostile[random.Next(Hostile.Length)], i);
            await store.AddAsync(job, Token);
            live.Add(job);
        }

        string[] asked = [.. Hostile, .. live.Select(j => j.Name).Distinct().Where(n => n.StartsWith("unique-", StringComparison.Ordinal)), "unique-1", "not-there", "", "A", "x"];
        foreach (string name in asked.Distinct())
        {
            string[] expected = [.. live.Where(j => j.Name == name).Select(j => j.Id)];
            foreach ((int offset, int? limit) in ((int, int?)[])[(0, null), (0, 1), (1, 2), (expected.Length / 2, 100), (expected.Length, 10), (expected.Length + 5, 10)])
            {
                JobPage page = await store.ListAsync(new JobQuery { Name = name, Offset = offset, Limit = limit }, Token);
                Assert.Equal(expected.Length, page.Total);
                Assert.Equal(expected.Skip(offset).Take(limit ?? int.MaxValue), page.Items.Select(j => j.Id));
            }

            JobPage pending = await store.ListAsync(new JobQuery { Name = name, Status = JobStatus.Pending, Offset = 1, Limit = 3 }, Token);
            Assert.Equal(expected.Length, pending.Total);
            Assert.Equal(expected.Skip(1).Take(3), pending.Items.Select(j => j.Id));
        }
    }

    [Fact]
    public async Task List_ByExactName_AfterEveryJobOfANameIsDeleted_FindsNoneAndOtherNamesStillFound()
    {
        // All names collide: deleting the first names of a probe run must not hide the names after them.
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions(), static _ => 7);
        Job[] jobs = [.. Enumerable.Range(0, 40).Select(i => NewJob($"n{i % 8}", i))];
        foreach (Job job in jobs)
        {
            await store.AddAsync(job, Token);
        }

        foreach (Job job in jobs.Where(j => j.Name is "n0" or "n3"))
        {
            Assert.True(await store.DeleteAsync(job.Id, Token));
        }

        for (int n = 0; n < 8; n++)
        {
            string name = $"n{n}";
            JobPage page = await store.ListAsync(new JobQuery { Name = name }, Token);
            Assert.Equal(jobs.Where(j => j.Name == name && name is not ("n0" or "n3")).Select(j => j.Id), page.Items.Select(j => j.Id));
        }
    }

    private static Job NewJob(string name, int i) => new()
    {
        Id = i % 2 == 0 ? Internal.JobIds.Format(Internal.JobIds.NewKey()) : $"job-{i}-{Guid.NewGuid():N}",
        Name = name,
        Func = static () => { },
        Trigger = new OnceTrigger(T0.AddHours(1 + i)),
        CreatedAt = T0,
        NextRun = T0.AddHours(1 + i),
        Version = 1,
    };
}
