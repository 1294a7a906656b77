using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Dashboard.Tests;

/// <summary>The views over HTTP: what each page shows, read from a real scheduler and store.</summary>
public sealed partial class DashboardPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JobsPage_ListsEachJobWithStatusScheduleInWordsNextRunAndRunCount()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        string html = await client.GetStringAsync("", Ct);

        Assert.Contains(">nightly-report</a>", html);
        Assert.Contains("<span class=\"badge pending\">pending</span>", html);
        Assert.Contains("<td class=\"schedule\">At 02:30 (UTC).</td>", html);
        Assert.Contains("2026-03-03 02:30:00 +00:00", html);
        Assert.Contains("datetime=\"2026-03-03T02:30:00.000Z\"", html);
        Assert.Matches("<td class=\"runs\">0</td>", html);
    }

    [Fact]
    public async Task JobsPage_PagesOnTheServer_NewestFirstByDefault_OldestFirstWhenAsked()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        for (int i = 1; i <= 120; i++)
        {
            scheduler.Schedule(() => { }, $"job-{i:000}", new IntervalTrigger(minutes: 5));
        }

        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        string first = await client.GetStringAsync("", Ct);
        string third = await client.GetStringAsync("?page=3", Ct);
        string oldest = await client.GetStringAsync("?sort=oldest", Ct);

        Assert.Equal(Enumerable.Range(71, 50).Reverse().Select(i => $"job-{i:000}"), Names(first));
        Assert.Contains("page 1 of 3 · 120 jobs", first);
        Assert.Equal(Enumerable.Range(1, 20).Reverse().Select(i => $"job-{i:000}"), Names(third));
        Assert.DoesNotContain("older →", third);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"job-{i:000}"), Names(oldest));
    }

    [Fact]
    public async Task JobsPage_FiltersByStatusAndByTheStartOfTheName()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        TestJobs.Nightly(scheduler, "backup-db");
        TestJobs.Nightly(scheduler, "Backup-files");
        string gone = TestJobs.Nightly(scheduler, "cleanup");
        await scheduler.CancelAsync(gone, Ct);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        Assert.Equal(["cleanup"], Names(await client.GetStringAsync("?status=cancelled", Ct)));
        string backup = await client.GetStringAsync("?name=backup", Ct);
        Assert.Equal(["backup-db"], Names(backup));
        Assert.Contains("<label>Name starts with <input type=\"search\" name=\"name\" id=\"filter-name\" value=\"backup\"", backup);
        Assert.Equal(["Backup-files"], Names(await client.GetStringAsync("?status=pending&name=Backup-", Ct)));
        Assert.Equal(["Backup-files", "backup-db"], Names(await client.GetStringAsync("?status=pending&name=", Ct)));
        Assert.Contains("id=\"no-jobs\"", await client.GetStringAsync("?name=BACKUP", Ct)); // the start of the name, case by case
        Assert.Contains("id=\"no-jobs\"", await client.GetStringAsync("?name=db", Ct)); // the start, not anywhere in it
        Assert.Contains("id=\"no-jobs\"", await client.GetStringAsync("?status=failed", Ct));
    }

    [Fact]
    public async Task JobPage_ShowsDefinitionNextTenOccurrencesAndHistory()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = scheduler.Schedule(() => "done", "nightly", CronTrigger.FromExpression("30 2 * * *", TimeZoneInfo.Utc), args: [42, "x"]);
        await scheduler.RunNowAsync(id, Ct);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        string html = await client.GetStringAsync($"jobs/{id}", Ct);

        Assert.Contains("<dt>Arguments</dt><dd>42, &quot;x&quot;</dd>", html);
        Assert.Contains("<dt>Trigger</dt><dd>cron 30 2 * * * (UTC)</dd>", html);
        string[] next = NextRuns().Matches(Between(html, "id=\"next-runs\"", "</ol>")).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(Enumerable.Range(3, 10).Select(day => $"2026-03-{day:00} 02:30:00 +00:00"), next);
        string history = Between(html, "id=\"history\"", "</table>");
        Assert.Contains("<td class=\"node\">node-a</td>", history);
        Assert.Contains("<span class=\"outcome ok\">succeeded</span> <span class=\"tag\">manual</span>", history);
        Assert.Contains("<pre class=\"output\">done</pre>", history);
        Assert.Contains("<td class=\"duration\">0 ms</td>", history);
    }

    [Fact]
    public async Task JobPage_ShowsErrorsAsTheirMessage_WithoutTheExceptionTypeTheStoreKeeps()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = await TestJobs.FailedAsync(scheduler, "import", "disk full");
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        string html = await client.GetStringAsync($"jobs/{id}", Ct);

        Assert.Contains("<dt>Last error</dt><dd>disk full</dd>", html);
        Assert.Contains("<td class=\"error\">disk full</td>", Between(html, "id=\"history\"", "</table>"));
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.Equal("InvalidOperationException: disk full", (await scheduler.GetJobAsync(id, Ct))!.Error);
    }

    [Fact]
    public async Task JobPage_UnknownJob_Is404()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        HttpResponseMessage response = await client.GetAsync("jobs/nope", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("There is no job with the id nope.", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task FailuresPage_ShowsFailedRunsAcrossJobsWithErrorNodeAndRetry()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string a = await TestJobs.FailedAsync(scheduler, "import-a", "disk full");
        string b = await TestJobs.FailedAsync(scheduler, "import-b", "no route to host");
        TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        using HttpClient client = host.Client();

        string html = await client.GetStringAsync("failures", Ct);

        Assert.Equal(["import-b", "import-a"], Names(html));
        Assert.Contains("<td class=\"error\">disk full</td>", html);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"node\">node-a</td>", html);
        Assert.Contains($"action=\"/scheduler/jobs/{a}/retry\"", html);
        Assert.Contains($"action=\"/scheduler/jobs/{b}/retry\"", html);
    }

    [Fact]
    public async Task NodesPage_ListsTheLiveNodesOfTheStore_MarksItsOwn_ShowsWhatEachHolds_AndDropsANodeThatLeft()
    {
        FakeTimeProvider clock = TestJobs.Clock();
        var store = new InMemoryJobStore(timeProvider: clock);
        await using Scheduler a = TestJobs.Create(clock, store, "node-a");
        await using Scheduler b = TestJobs.Create(clock, store, "node-b");
        await using DashboardHost host = await DashboardHost.StartAsync(a);
        using HttpClient client = host.Client();
        Assert.Contains("id=\"no-nodes\"", await client.GetStringAsync("nodes", Ct));
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);
        await TestJobs.FailedAsync(b, "import", "boom");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string slow = b.Schedule(async () => { started.TrySetResult(); await release.Task; }, "slow-export", new IntervalTrigger(hours: 1));
        Task<object?> running = b.RunNowAsync(slow, Ct);
        await started.Task.WaitAsync(Ct);

        string html = await client.GetStringAsync("nodes", Ct);

        Assert.Equal([a.Node.InstanceId, b.Node.InstanceId], Instances(html));
        string rowA = Row(html, a.Node.InstanceId);
        string rowB = Row(html, b.Node.InstanceId);
        Assert.Contains("this dashboard", rowA);
        Assert.DoesNotContain("this dashboard", rowB);
        Assert.Contains("<td class=\"node\">node-b</td>", rowB);
        Assert.Contains($"<td class=\"host\">{WebUtility.HtmlEncode(Environment.MachineName)}</td>", rowB);
        Assert.Contains($"<td class=\"pid\">{Environment.ProcessId}</td>", rowB);
        Assert.Contains("<td class=\"held\">1</td>", rowB);
        Assert.Contains("<td class=\"held\">0</td>", rowA);
        Assert.Contains(">import</a> <span class=\"outcome bad\">failed</span>", rowB);
        Assert.Contains("<span class=\"none\">—</span>", rowA);
        Assert.Contains(">slow-export</a> (1 run)", Between(html, "id=\"running\"", "</ul>"));

        release.SetResult();
        await running;
        await b.StopAsync(Ct);
        html = await client.GetStringAsync("nodes", Ct);

        Assert.Equal([a.Node.InstanceId], Instances(html));
        Assert.Contains("id=\"none-running\"", html);
    }

    [Theory]
    [InlineData("*/15 9-17 * * MON-FRI", "UTC", "2026-03-02 09:15:00 +00:00")]
    [InlineData("0 9 * * *", "Europe/Paris", "2026-03-03 09:00:00 +01:00")]
    public async Task CronApi_ExplainsAndPreviewsTheNextTenRuns(string expression, string zone, string first)
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        using JsonDocument json = JsonDocument.Parse(await client.GetStringAsync($"api/cron?expression={Uri.EscapeDataString(expression)}&zone={zone}", Ct));

        Assert.True(json.RootElement.GetProperty("valid").GetBoolean());
        Assert.StartsWith("At ", json.RootElement.GetProperty("description").GetString());
        JsonElement next = json.RootElement.GetProperty("next");
        Assert.Equal(10, next.GetArrayLength());
        Assert.Equal(first, next[0].GetProperty("zone").GetString());
    }

    [Theory]
    [InlineData("61 * * * *", "UTC", "minute")]
    [InlineData("* * *", "UTC", "")]
    [InlineData("* * * * *", "Mars/Olympus", "Unknown time zone: Mars/Olympus.")]
    public async Task CronApi_InvalidInput_SaysWhy(string expression, string zone, string error)
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        using JsonDocument json = JsonDocument.Parse(await client.GetStringAsync($"api/cron?expression={Uri.EscapeDataString(expression)}&zone={zone}", Ct));

        Assert.False(json.RootElement.GetProperty("valid").GetBoolean());
        Assert.Contains(error, json.RootElement.GetProperty("error").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("next").GetArrayLength());
    }

    [Fact]
    public async Task CronPage_WithoutScript_RendersThePreviewOnTheServer()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        string html = await client.GetStringAsync("cron?expression=0+12+*+*+*&zone=UTC", Ct);

        Assert.Contains("<p class=\"description\">At 12:00.</p>", html);
        Assert.Contains("<li>2026-03-02 12:00:00 +00:00</li>", html);
    }

    [Fact]
    public async Task Assets_AreServedFromTheAssembly_AndPagesLoadNothingFromElsewhere()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        using HttpClient client = host.Client();

        string html = await client.GetStringAsync("", Ct);
        string css = Regex.Match(html, "href=\"(/scheduler/assets/dashboard\\.css\\?v=[0-9a-f]+)\"").Groups[1].Value;
        string js = Regex.Match(html, "src=\"(/scheduler/assets/dashboard\\.js\\?v=[0-9a-f]+)\"").Groups[1].Value;
        HttpResponseMessage style = await client.GetAsync(new Uri(host.Root, css), Ct);
        HttpResponseMessage script = await client.GetAsync(new Uri(host.Root, js), Ct);

        Assert.Equal(HttpStatusCode.OK, style.StatusCode);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("EventSource", await script.Content.ReadAsStringAsync(Ct));
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", html);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("assets/other.js", Ct)).StatusCode);
    }

    private static List<string> Instances(string html) =>
        InstanceCell().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

    private static string Row(string html, string instanceId)
    {
        int cell = html.IndexOf($"<td class=\"instance\">{WebUtility.HtmlEncode(instanceId)}", StringComparison.Ordinal);
        Assert.True(cell >= 0, $"The page has no row for {instanceId}.");
        return html[cell..html.IndexOf("</tr>", cell, StringComparison.Ordinal)];
    }

    private static List<string> Names(string html) =>
        JobLink().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

    private static string Between(string html, string start, string end)
    {
        int from = html.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"The page has no {start}.");
        return html[from..html.IndexOf(end, from, StringComparison.Ordinal)];
    }

    [GeneratedRegex("<td class=\"name\"><a href=\"/scheduler/jobs/[^\"]+\">([^<]*)</a>")]
    private static partial Regex JobLink();

    [GeneratedRegex("<td class=\"instance\">([^<]+?)(?: <span|</td>)")]
    private static partial Regex InstanceCell();

    [GeneratedRegex("<span class=\"t\">([^<]+)</span>")]
    private static partial Regex NextRuns();
}
