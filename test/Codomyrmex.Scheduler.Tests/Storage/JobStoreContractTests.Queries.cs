using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Listing by name, name prefix and source; counting by status; adding many jobs in one step.</summary>
public abstract partial class JobStoreContractTests
{
    /// <summary>Names no filter may treat as patterns, escapes or terminators, and text beyond the first plane.</summary>
    private static readonly string[] s_hostileNames =
    [
        "50%off", "50_off", "50xoff", "50%", "%", "_", "a\\b", "a\\\\b", "a\\", "it's", "it''s", "say \"hi\"", "[a-z]", "*", "a*",
        "ab", "aB", "Ab", "a", "a b", "a\tb", "nul\0x", "nul\0", "nul", "\0", "emoji\U0001F600x", "emoji\U0001F600", "emoji",
        "emoji\U0001F601", "\U0010FFFF", "z\U0010FFFFa", "z\U0010FFFF", "\uFFFF", "\uFFFFa", "\uE000", "\uD7FF", "Ω", "ω",
        "é", "e\u0301", "İ", "i", "I", "ı", "ß", "ss", "new\nline", "", " ",
    ];

    /// <summary>Gets a value indicating whether the store keeps U+0000 in text (PostgreSQL's text cannot).</summary>
    protected virtual bool KeepsNulInText => true;

    public static TheoryData<string> HostilePrefixes() =>
    [
        "", "50%", "50_", "%", "_", "a\\", "a\\\\", "\\", "it'", "'", "say \"", "\"", "[", "*", "a", "A", "a ", "nul\0", "nul", "\0",
        "emoji\U0001F600", "emoji\uD83D", "\U0010FFFF", "z\U0010FFFF", "\uFFFF", "\uD7FF", "Ω", "e", "e\u0301", "i", "I", "s",
        "new\n", "x-not-there", new string('p', 3000),
    ];

    [Theory]
    [MemberData(nameof(HostilePrefixes))]
    public async Task List_ByNamePrefix_FindsExactlyTheNamesThatStartWithIt_Ordinally_InAddedOrder(string prefix)
    {
        IJobStore store = CreateStore();
        string longName = new string('p', 3000) + "tail";
        List<Job> added = [];
        foreach (string name in s_hostileNames.Append(longName).Append(new string('p', 3000)).Append(new string('p', 2999)))
        {
            if (KeepsNulInText || !name.Contains('\0', StringComparison.Ordinal))
            {
                Job job = NewJob(firstRun: T0.AddHours(1), name: name);
                await store.AddAsync(job, Token);
                added.Add(job);
            }
        }

        // A prefix that ends inside a surrogate pair matches nothing stored as text beyond the first plane in every store
        // that compares code points; the in-memory store compares UTF-16 units. So that case is only asked, not compared.
        if (prefix.Length > 0 && char.IsHighSurrogate(prefix[^1]))
        {
            await store.ListAsync(new JobQuery { NamePrefix = prefix }, Token);
            return;
        }

        string[] expected = added.Where(j => j.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(j => j.Id).ToArray();
        JobPage page = await store.ListAsync(new JobQuery { NamePrefix = prefix }, Token);
        Assert.Equal(expected, page.Items.Select(j => j.Id));
        Assert.Equal(expected.Length, page.Total);

        // Paged: every page holds the next matches, and the total stays.
        var paged = new List<string>();
        for (int offset = 0; offset < expected.Length + 3; offset += 3)
        {
            JobPage part = await store.ListAsync(new JobQuery { NamePrefix = prefix, Offset = offset, Limit = 3 }, Token);
            Assert.Equal(expected.Length, part.Total);
            paged.AddRange(part.Items.Select(j => j.Id));
        }

        Assert.Equal(expected, paged);
    }

    [Fact]
    public async Task List_ByName_FindsOnlyThatExactName_Ordinally_WithEveryHostileName()
    {
        IJobStore store = CreateStore();
        List<Job> added = [];
        foreach (string name in s_hostileNames.Concat(s_hostileNames))
        {
            if (KeepsNulInText || !name.Contains('\0', StringComparison.Ordinal))
            {
                Job job = NewJob(firstRun: T0.AddHours(1), name: name);
                await store.AddAsync(job, Token);
                added.Add(job);
            }
        }

        foreach (string name in s_hostileNames.Append("not-there").Append("50"))
        {
            string[] expected = added.Where(j => j.Name == name).Select(j => j.Id).ToArray();
            JobPage page = await store.ListAsync(new JobQuery { Name = name }, Token);
            Assert.True(expected.SequenceEqual(page.Items.Select(j => j.Id)), $"Name '{name}': expected {expected.Length} jobs, got {page.Items.Count}.");
            Assert.Equal(expected.Length, page.Total);
        }
    }

    [Fact]
    public async Task List_FiltersCombine_StatusNamePrefixAndSource_AllMustMatch()
    {
        IJobStore store = CreateStore();
        Job a1 = NewJob(firstRun: T0.AddHours(1), name: "tenant-1/reminder") with { Source = "jobs.json" };
        Job a2 = NewJob(firstRun: T0.AddHours(1), name: "tenant-1/trial");
        Job a3 = NewJob(firstRun: T0.AddHours(1), name: "tenant-10/reminder") with { Source = "jobs.json" };
        Job b1 = NewJob(firstRun: T0.AddHours(1), name: "tenant-2/reminder") with { Source = "other.json" };
        Job a4 = NewJob(firstRun: T0.AddHours(1), name: "tenant-1/reminder");
        foreach (Job job in (Job[])[a1, a2, a3, b1, a4])
        {
            await store.AddAsync(job, Token);
        }

        await store.CancelAsync(a2.Id, Token);

        async Task<string[]> Ids(JobQuery query)
        {
            JobPage page = await store.ListAsync(query, Token);
            Assert.Equal(page.Items.Count, page.Total);
            return page.Items.Select(j => j.Id).ToArray();
        }

        Assert.Equal([a1.Id, a2.Id, a3.Id, a4.Id], await Ids(new JobQuery { NamePrefix = "tenant-1" }));
        Assert.Equal([a1.Id, a2.Id, a4.Id], await Ids(new JobQuery { NamePrefix = "tenant-1/" }));
        Assert.Equal([a1.Id, a4.Id], await Ids(new JobQuery { NamePrefix = "tenant-1/", Status = JobStatus.Pending, Name = "tenant-1/reminder" }));
        Assert.Equal([a2.Id], await Ids(new JobQuery { NamePrefix = "tenant-1", Status = JobStatus.Cancelled }));
        Assert.Equal([a1.Id, a3.Id], await Ids(new JobQuery { Source = "jobs.json" }));
        Assert.Equal([a1.Id], await Ids(new JobQuery { Source = "jobs.json", Name = "tenant-1/reminder" }));
        Assert.Equal([a3.Id], await Ids(new JobQuery { Source = "jobs.json", NamePrefix = "tenant-10" }));
        Assert.Empty(await Ids(new JobQuery { Source = "jobs.json", Status = JobStatus.Cancelled }));
        Assert.Empty(await Ids(new JobQuery { Source = "JOBS.json" }));
        Assert.Empty(await Ids(new JobQuery { Source = "" }));
        Assert.Empty(await Ids(new JobQuery { Name = "tenant-1/reminder", NamePrefix = "tenant-2" }));
        Assert.Equal([a1.Id, a2.Id, a3.Id, b1.Id, a4.Id], await Ids(new JobQuery { NamePrefix = "" }));
        Assert.Equal([a1.Id, a2.Id, a3.Id, b1.Id, a4.Id], await Ids(default));

        // A page of a filter: offset and limit count matching jobs only; the total is every match.
        JobPage second = await store.ListAsync(new JobQuery { NamePrefix = "tenant-1", Offset = 1, Limit = 2 }, Token);
        Assert.Equal([a2.Id, a3.Id], second.Items.Select(j => j.Id));
        Assert.Equal(4, second.Total);
        JobPage none = await store.ListAsync(new JobQuery { NamePrefix = "tenant-1", Limit = 0 }, Token);
        Assert.Equal((0, 4), (none.Items.Count, none.Total));
        JobPage past = await store.ListAsync(new JobQuery { Name = "tenant-1/reminder", Offset = 5 }, Token);
        Assert.Equal((0, 2), (past.Items.Count, past.Total));
    }

    [Fact]
    public async Task List_ByNameAndSource_FollowsRenamesAndDeletes()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(firstRun: T0.AddHours(1), name: "before") with { Source = "jobs.json" };
        Job other = NewJob(firstRun: T0.AddHours(1), name: "before-too");
        await store.AddAsync(job, Token);
        await store.AddAsync(other, Token);

        Job renamed = (await store.UpdateAsync(job with { Name = "after", Source = "moved.json" }, Token))!;
        Assert.Empty((await second.ListAsync(new JobQuery { Name = "before" }, Token)).Items);
        Assert.Equal([other.Id], (await second.ListAsync(new JobQuery { NamePrefix = "before" }, Token)).Items.Select(j => j.Id));
        Assert.Equal([job.Id], (await second.ListAsync(new JobQuery { Name = "after" }, Token)).Items.Select(j => j.Id));
        Assert.Empty((await second.ListAsync(new JobQuery { Source = "jobs.json" }, Token)).Items);
        Assert.Equal([job.Id], (await second.ListAsync(new JobQuery { Source = "moved.json" }, Token)).Items.Select(j => j.Id));

        await store.CancelAsync(renamed.Id, Token);
        Assert.True(await store.DeleteAsync(renamed.Id, Token));
        Assert.Equal(0, (await second.ListAsync(new JobQuery { Name = "after" }, Token)).Total);
        Assert.Equal(0, (await second.ListAsync(new JobQuery { Source = "moved.json" }, Token)).Total);
        Assert.Equal(1, (await second.ListAsync(new JobQuery { NamePrefix = "" }, Token)).Total);
    }

    [Fact]
    public async Task List_ByStatus_PagesInAddedOrder_AfterCancelsDeletesAndUpdates()
    {
        IJobStore store = CreateStore();
        Job[] jobs = [.. Enumerable.Range(0, 6).Select(i => NewJob(firstRun: T0.AddHours(1), name: $"job-{i}"))];
        foreach (Job job in jobs)
        {
            await store.AddAsync(job, Token);
        }

        await store.CancelAsync(jobs[4].Id, Token);
        await store.CancelAsync(jobs[1].Id, Token);
        await store.CancelAsync(jobs[2].Id, Token);
        Assert.True(await store.DeleteAsync(jobs[2].Id, Token));
        Job late = NewJob(firstRun: T0.AddHours(1), name: "late");
        await store.AddAsync(late, Token);
        await store.CancelAsync(late.Id, Token);

        // Compared as text: the ids of the page, then the total.
        async Task<string> Page(JobQuery query)
        {
            JobPage page = await store.ListAsync(query, Token);
            return string.Join(",", page.Items.Select(j => j.Id)) + " of " + page.Total;
        }

        static string Shows(int total, params Job[] items) => string.Join(",", items.Select(j => j.Id)) + " of " + total;

        Assert.Equal(Shows(3, jobs[1], jobs[4], late), await Page(new JobQuery { Status = JobStatus.Cancelled }));
        Assert.Equal(Shows(3, jobs[4]), await Page(new JobQuery { Status = JobStatus.Cancelled, Offset = 1, Limit = 1 }));
        Assert.Equal(Shows(3), await Page(new JobQuery { Status = JobStatus.Cancelled, Offset = 3 }));
        Assert.Equal(Shows(3, jobs[3], jobs[5]), await Page(new JobQuery { Status = JobStatus.Pending, Offset = 1 }));
        Assert.Equal(Shows(6, jobs[0], jobs[1], jobs[3], jobs[4], jobs[5], late), await Page(default));
        Assert.Equal(Shows(6, jobs[3], jobs[4]), await Page(new JobQuery { Offset = 2, Limit = 2 }));

        // A claimed job is running, and listed as such; once its run ends it is pending again, in its place.
        ClaimedRun run = (await ClaimNowAsync(store, jobs[3].Id, T0))!;
        Assert.Equal(Shows(1, jobs[3]), await Page(new JobQuery { Status = JobStatus.Running }));
        Assert.Equal(Shows(2, jobs[0], jobs[5]), await Page(new JobQuery { Status = JobStatus.Pending }));
        await CompleteAsync(store, run, RunOutcome.Succeeded, T0);
        Assert.Equal(Shows(3, jobs[0], jobs[3], jobs[5]), await Page(new JobQuery { Status = JobStatus.Pending }));
        Assert.Equal(Shows(0), await Page(new JobQuery { Status = JobStatus.Running }));
    }

    [Fact]
    public async Task Count_FollowsEveryChangeOfStatus_OnEveryInstance()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Assert.Equal((0L, 0L), ((await store.CountAsync(Token)).Total, (await store.CountAsync(Token))[JobStatus.Pending]));

        Job once = NewJob(firstRun: T0.AddMinutes(1));
        Job failing = NewJob(firstRun: T0.AddMinutes(1));
        Job every = NewJob(EveryMinute());
        Job cancelled = NewJob(firstRun: T0.AddHours(1));
        Job deleted = NewJob(firstRun: T0.AddHours(1));
        foreach (Job job in (Job[])[once, failing, every, cancelled, deleted])
        {
            await store.AddAsync(job, Token);
        }

        await Expect(store, pending: 5);
        ClaimBatch batch = await ClaimAsync(store, T0.AddMinutes(1));
        Assert.Equal(3, batch.Runs.Count);
        await Expect(second, pending: 2, running: 3);
        await CompleteAsync(store, batch.Runs.Single(r => r.Job.Id == once.Id), RunOutcome.Succeeded, T0.AddMinutes(1));
        await CompleteAsync(store, batch.Runs.Single(r => r.Job.Id == failing.Id), RunOutcome.Failed, T0.AddMinutes(1), error: "E: x");
        await CompleteAsync(store, batch.Runs.Single(r => r.Job.Id == every.Id), RunOutcome.Succeeded, T0.AddMinutes(1));
        await Expect(store, pending: 3, completed: 1, failed: 1);
        await second.CancelAsync(cancelled.Id, Token);
        await second.CancelAsync(cancelled.Id, Token);
        await Expect(store, pending: 2, completed: 1, failed: 1, cancelled: 1);
        Assert.True(await second.DeleteAsync(deleted.Id, Token));
        Assert.True(await store.DeleteAsync(once.Id, Token));
        await Expect(second, pending: 1, failed: 1, cancelled: 1);

        // A paused job is still pending; a run of it claimed now is running.
        await store.SetPausedAsync(every.Id, paused: true, Token);
        await Expect(store, pending: 1, failed: 1, cancelled: 1);
        ClaimedRun manual = (await ClaimNowAsync(store, every.Id, T0.AddMinutes(2)))!;
        await Expect(second, running: 1, failed: 1, cancelled: 1);
        await CompleteAsync(store, manual, RunOutcome.Succeeded, T0.AddMinutes(2));
        await Expect(store, pending: 1, failed: 1, cancelled: 1);

        // The counts agree with a page's totals.
        foreach (JobStatus status in Enum.GetValues<JobStatus>())
        {
            Assert.Equal((await store.CountAsync(Token))[status], (await store.ListAsync(new JobQuery { Status = status, Limit = 1 }, Token)).Total);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new JobCounts()[(JobStatus)99]);
    }

    [Fact]
    public async Task Count_FollowsRetention()
    {
        IJobStore store = CreateStore(new JobRetentionOptions { FinishedJobs = TimeSpan.FromDays(1) });
        Job job = NewJob(firstRun: T0.AddHours(1));
        await store.AddAsync(job, Token);
        await store.CancelAsync(job.Id, Token);
        await Expect(store, cancelled: 1);
        At(T0.AddDays(2));
        Assert.Equal(1, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        await Expect(store);
    }

    [Fact]
    public async Task AddMany_AddsEveryJob_InOrder_AndAnswersForEachAsAddWould()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job live = NewJob(firstRun: T0.AddHours(1), name: "declared") with { Source = "jobs.json" };
        await store.AddAsync(live, Token);

        Job plain = NewJob(firstRun: T0.AddHours(1), name: "plain");
        Job taken = NewJob(firstRun: T0.AddHours(1), name: "declared") with { Source = "jobs.json" };
        Job first = NewJob(firstRun: T0.AddHours(1), name: "twice") with { Source = "jobs.json" };
        Job again = NewJob(firstRun: T0.AddHours(1), name: "twice") with { Source = "jobs.json" };
        Job otherSource = NewJob(firstRun: T0.AddHours(1), name: "twice") with { Source = "other.json" };
        Job sameNameNoSource = NewJob(firstRun: T0.AddHours(1), name: "twice");
        Job done = NewJob(firstRun: null, name: "done") with { NextRun = null };
        IReadOnlyList<AddJobResult> results = await second.AddManyAsync([plain, taken, first, again, otherSource, sameNameNoSource, done], Token);

        Assert.Equal(
            [(plain.Id, true), (live.Id, false), (first.Id, true), (first.Id, false), (otherSource.Id, true), (sameNameNoSource.Id, true), (done.Id, true)],
            results.Select(r => (r.Job.Id, r.Added)));
        Assert.Equal(JobStatus.Completed, (await store.GetAsync(done.Id, Token))!.Status);
        Assert.Null(await store.GetAsync(taken.Id, Token));
        Assert.Null(await store.GetAsync(again.Id, Token));
        Assert.Equal([live.Id, plain.Id, first.Id, otherSource.Id, sameNameNoSource.Id, done.Id], (await store.ListAsync(default, Token)).Items.Select(j => j.Id));
        await Expect(store, pending: 5, completed: 1);
        Assert.Empty(await store.AddManyAsync([], Token));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AddManyAsync(null!, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.AddManyAsync([NewJob(), null!], Token));
    }

    public static TheoryData<string> RefusedBatches() =>
        ["id of a job in the store", "id twice in the batch", "id twice, the second last", "id of a job in the store, after 2,500 new jobs"];

    [Theory]
    [MemberData(nameof(RefusedBatches))]
    public async Task AddMany_AJobThatCannotBeAdded_AddsNothingOfTheBatch(string refused)
    {
        IJobStore store = CreateStore();
        Job existing = NewJob(firstRun: T0.AddHours(1));
        await store.AddAsync(existing, Token);
        Job fresh = NewJob(firstRun: T0.AddHours(1), name: "fresh");
        Job declared = NewJob(firstRun: T0.AddHours(1), name: "declared") with { Source = "jobs.json" };
        Job[] batch = refused switch
        {
            "id of a job in the store" => [fresh, declared, existing with { Name = "copy" }],
            "id twice in the batch" => [fresh, fresh with { Name = "copy" }, declared],
            "id twice, the second last" => [declared, fresh, NewJob(), fresh],
            _ => [fresh, declared, .. Enumerable.Range(0, 2_500).Select(i => NewJob(firstRun: T0.AddHours(1), name: $"many-{i}")), existing with { Name = "copy" }],
        };

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddManyAsync(batch, Token));
        if (refused.StartsWith("id of a job in the store", StringComparison.Ordinal))
        {
            Assert.Contains(existing.Id, error.Message, StringComparison.Ordinal);
        }

        Assert.Null(await store.GetAsync(fresh.Id, Token));
        Assert.Null(await store.GetAsync(declared.Id, Token));
        Assert.Equal([existing.Id], (await store.ListAsync(default, Token)).Items.Select(j => j.Id));
        await Expect(store, pending: 1);

        // Nothing of it is left behind: the same jobs add after all.
        Assert.All(await store.AddManyAsync([fresh, declared], Token), r => Assert.True(r.Added));
    }

    [Fact]
    public async Task AddMany_TenThousandJobs_InOneCall_AreAllListedCountedAndClaimable()
    {
        IJobStore store = CreateStore();
        var changes = 0;
        store.Changed += (_, change) =>
        {
            if (change.Kind == JobStoreChangeKind.Added)
            {
                Interlocked.Increment(ref changes);
            }
        };
        Job[] jobs = Enumerable.Range(0, 10_000)
            .Select(i => NewJob(firstRun: T0.AddMinutes(1 + (i % 7)), name: $"tenant-{i % 100:000}/job-{i:00000}") with { Id = $"batch-{i:00000}" }).ToArray();
        IReadOnlyList<AddJobResult> results = await store.AddManyAsync(jobs, Token);

        Assert.Equal(jobs.Select(j => j.Id), results.Select(r => r.Job.Id));
        Assert.All(results, r => Assert.True(r.Added));
        Assert.Equal(10_000, Volatile.Read(ref changes));
        await Expect(store, pending: 10_000);
        JobPage tenant = await store.ListAsync(new JobQuery { NamePrefix = "tenant-042/", Limit = 10 }, Token);
        Assert.Equal(jobs.Where(j => j.Name.StartsWith("tenant-042/", StringComparison.Ordinal)).Take(10).Select(j => j.Id), tenant.Items.Select(j => j.Id));
        Assert.Equal(100, tenant.Total);
        JobPage last = await store.ListAsync(new JobQuery { Offset = 9_999 }, Token);
        Assert.Equal((jobs[^1].Id, 10_000), (Assert.Single(last.Items).Id, last.Total));
        Assert.Equal(100, (await ClaimAsync(store, T0.AddMinutes(1), max: 100)).Runs.Count);
        await Expect(store, pending: 9_900, running: 100);
    }

    private static async Task Expect(IJobStore store, long pending = 0, long running = 0, long completed = 0, long failed = 0, long cancelled = 0)
    {
        JobCounts counts = await store.CountAsync(Token);
        Assert.Equal((pending, running, completed, failed, cancelled), (counts.Pending, counts.Running, counts.Completed, counts.Failed, counts.Cancelled));
        Assert.Equal(pending + running + completed + failed + cancelled, counts.Total);
        Assert.Equal(counts.Total, (await store.ListAsync(new JobQuery { Limit = 0 }, Token)).Total);
    }
}
