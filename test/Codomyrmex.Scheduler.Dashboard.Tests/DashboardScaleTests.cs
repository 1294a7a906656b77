using System.Text.RegularExpressions;

using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Dashboard.Tests;

/// <summary>A page of 100,000 jobs costs what a page of ten does: the dashboard asks the store for one page, never for all.</summary>
public sealed class DashboardScaleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JobsPage_OfAHundredThousandJobs_AsksTheStoreForOnePageOnly()
    {
        (IJobStore store, RecordingStore recorder) = RecordingStore.Wrap(new InMemoryJobStore());
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock(), store);
        for (int i = 0; i < 100_000; i++)
        {
            scheduler.Schedule(() => { }, $"job-{i:000000}", new IntervalTrigger(hours: 1));
        }

        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        foreach ((string path, string firstName) in new[]
                 {
                     ("", "job-099999"), ("?page=2000", "job-000049"), ("?sort=oldest&page=1000", "job-049950"), ("?status=pending&page=3", "job-099899"),
                 })
        {
            recorder.JobQueries.Clear();
            string html = await client.GetStringAsync(path, Ct);

            Assert.Equal(50, Regex.Count(html, "<tr data-job="));
            Assert.Equal(firstName, Regex.Match(html, "<td class=\"name\"><a href=\"[^\"]+\">([^<]*)</a>").Groups[1].Value);
            Assert.Contains("100000 jobs", html);
            Assert.All(recorder.JobQueries, query => Assert.InRange(query.Limit ?? int.MaxValue, 0, 50));
        }

        // The name filter is the store's too: the page of a prefix is asked for, never scanned for, and the counts are one call.
        foreach ((string path, string firstName, string total) in new[]
                 {
                     ("?name=job-0123", "job-012399", "· 100 jobs"), ("?name=job-0123&sort=oldest&page=2", "job-012350", "· 100 jobs"),
                     ("?status=pending&name=job-09999", "job-099999", "· 10 jobs"),
                 })
        {
            recorder.JobQueries.Clear();
            recorder.Calls.Clear();
            string html = await client.GetStringAsync(path, Ct);

            Assert.Equal(firstName, Regex.Match(html, "<td class=\"name\"><a href=\"[^\"]+\">([^<]*)</a>").Groups[1].Value);
            Assert.Contains(total, html);
            Assert.All(recorder.JobQueries, query => Assert.StartsWith(query.NamePrefix!, firstName, StringComparison.Ordinal));
            Assert.All(recorder.JobQueries, query => Assert.InRange(query.Limit ?? int.MaxValue, 0, 50));
            Assert.Equal(1, recorder.Calls.Count(call => call == nameof(IJobStore.CountAsync)));
        }
    }
}
