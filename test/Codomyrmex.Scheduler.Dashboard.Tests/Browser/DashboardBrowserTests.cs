using System.Threading.Channels;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Codomyrmex.Scheduler.Dashboard.Tests.Browser;

/// <summary>The dashboard in a real browser: every view and action, live updates, the token, the cron field and hostile job data.</summary>
public sealed class DashboardBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JobsView_ShowsTheJobsWithTimesInTheViewersZone()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        await ScheduleSampleJobsAsync(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        IPage page = await chromium.NewPageAsync();

        await page.GotoAsync(host.Base.ToString());

        await Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(5);
        await Expect(page.Locator("tr", new() { HasText = "nightly-report" }).Locator("td.schedule")).ToHaveTextAsync("At 02:30 (Europe/Paris).");
        await Expect(page.Locator("tr", new() { HasText = "nightly-report" }).Locator("td.next time.viewer")).ToHaveTextAsync("your time 3/3/2026, 1:30:00 AM");
        await Expect(page.Locator("nav.tabs a[data-status=failed] .count")).ToHaveTextAsync("0");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.Screenshots, "dashboard-jobs.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task JobView_ShowsDefinitionNextRunsAndHistory()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = await ScheduleSampleJobsAsync(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        IPage page = await chromium.NewPageAsync();

        await page.GotoAsync(new Uri(host.Base, $"jobs/{id}").ToString());

        await Expect(page.Locator("h1")).ToHaveTextAsync("nightly-report");
        await Expect(page.Locator("#next-runs li")).ToHaveCountAsync(10);
        await Expect(page.Locator("#next-runs li span.t").First).ToHaveTextAsync("2026-03-03 02:30:00 +01:00");
        await Expect(page.Locator("#history tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#history tbody tr").Nth(1).Locator("td.error")).ToHaveTextAsync("the warehouse database did not answer in 30 s");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.Screenshots, "dashboard-job.png"), FullPage = true });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LiveUpdates_AJobScheduledInTheTest_AppearsWithoutReloading()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        IPage page = await chromium.NewPageAsync();
        await page.GotoAsync(host.Base.ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-live", "on");
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        scheduler.Schedule(() => { }, "appears-live", new IntervalTrigger(minutes: 10));

        await Expect(page.Locator("#jobs td.name", new() { HasText = "appears-live" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
    }

    [Fact]
    public async Task LiveUpdates_ARunOnTheSchedulersClock_AppearsInTheJobsHistory()
    {
        var time = TestJobs.Clock();
        await using Scheduler scheduler = TestJobs.Create(time);
        var ran = Channel.CreateUnbounded<bool>();
        string id = scheduler.Schedule(() => ran.Writer.TryWrite(true), "every-minute", new IntervalTrigger(minutes: 1));
        await scheduler.StartAsync(Ct);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        IPage page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(host.Base, $"jobs/{id}").ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-live", "on");
        await Expect(page.Locator("#no-runs")).ToBeVisibleAsync();

        time.Advance(TimeSpan.FromMinutes(1));
        await ran.Reader.ReadAsync(Ct);

        await Expect(page.Locator("#history tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#history .outcome")).ToHaveTextAsync("succeeded");
        await scheduler.StopAsync(Ct);
    }

    [Fact]
    public async Task Actions_PauseResumeRunNowAndCancel_FromTheJobsView()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        var ran = Channel.CreateUnbounded<bool>();
        string id = scheduler.Schedule(() => ran.Writer.TryWrite(true), "steered", new IntervalTrigger(hours: 1));
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        IPage page = await chromium.NewPageAsync();
        await page.GotoAsync(host.Base.ToString());
        ILocator row = page.Locator($"tr[data-job='{id}']");

        await row.Locator("button[data-action=pause]").ClickAsync();
        await Expect(page.Locator("#notice")).ToHaveTextAsync("Paused steered.");
        await Expect(row.Locator(".badge.paused")).ToBeVisibleAsync();
        Assert.True((await scheduler.GetJobAsync(id, Ct))!.IsPaused);

        await row.Locator("button[data-action=resume]").ClickAsync();
        await Expect(page.Locator("#notice")).ToHaveTextAsync("Resumed steered.");
        await Expect(row.Locator(".badge.paused")).ToHaveCountAsync(0);

        await row.Locator("button[data-action=run]").ClickAsync();
        await Expect(page.Locator("#notice")).ToHaveTextAsync("Running steered now.");
        Assert.True(await ran.Reader.ReadAsync(Ct));
        await Expect(row.Locator("td.runs")).ToHaveTextAsync("1");

        await row.Locator("button[data-action=cancel]").ClickAsync();
        await Expect(page.Locator("#notice")).ToHaveTextAsync("Cancelled steered.");
        await Expect(row.Locator(".badge")).ToHaveTextAsync("cancelled");
        await Expect(row.Locator("button")).ToHaveCountAsync(0);
        Assert.Equal(JobStatus.Cancelled, (await scheduler.GetJobAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task Retry_FromTheFailuresView_RunsTheJobAgain()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        int calls = 0;
        var ran = Channel.CreateUnbounded<int>();
        string id = scheduler.Schedule(() =>
        {
            int call = Interlocked.Increment(ref calls);
            ran.Writer.TryWrite(call);
            if (call == 1)
            {
                throw new InvalidOperationException("flaky the first time");
            }
        }, "flaky", new IntervalTrigger(hours: 1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.RunNowAsync(id, Ct));
        Assert.Equal(1, await ran.Reader.ReadAsync(Ct));
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        IPage page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(host.Base, "failures").ToString());
        await Expect(page.Locator("#failures td.error")).ToHaveTextAsync("flaky the first time");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.Screenshots, "dashboard-failures.png"), FullPage = true });

        await page.Locator("#failures button[data-action=retry]").ClickAsync();

        await Expect(page.Locator("#notice")).ToHaveTextAsync("Retrying flaky now.");
        Assert.Equal(2, await ran.Reader.ReadAsync(Ct));
        await page.GotoAsync(new Uri(host.Base, $"jobs/{id}").ToString());
        await Expect(page.Locator("#history tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#history .outcome").First).ToHaveTextAsync("succeeded");
    }

    [Fact]
    public async Task NodesView_ShowsTwoSchedulersOnOneStoreAsTwoNodes_AndANodeThatLeftDisappears()
    {
        FakeTimeProvider clock = TestJobs.Clock();
        var store = new InMemoryJobStore(timeProvider: clock);
        await using Scheduler a = TestJobs.Create(clock, store, "node-a");
        await using Scheduler b = TestJobs.Create(clock, store, "node-b");
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);
        await using DashboardHost host = await DashboardHost.StartAsync(a);
        IPage page = await chromium.NewPageAsync();

        await page.GotoAsync(new Uri(host.Base, "nodes").ToString());

        await Expect(page.Locator("#nodes tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#nodes td.node")).ToHaveTextAsync(["node-a", "node-b"]);
        await Expect(page.Locator("#nodes tr.self td.instance")).ToContainTextAsync(a.Node.InstanceId);
        await Expect(page.Locator("#nodes tr.self .badge.self")).ToHaveTextAsync("this dashboard");
        await Expect(page.Locator("#nodes tr", new() { HasText = b.Node.InstanceId }).Locator("td.seen time.viewer")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#none-running")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.Screenshots, "dashboard-nodes.png"), FullPage = true });

        await b.StopAsync(Ct);
        await page.ReloadAsync();

        await Expect(page.Locator("#nodes td.node")).ToHaveTextAsync(["node-a"]);
        await Expect(page.Locator("#nodes")).Not.ToContainTextAsync(b.Node.InstanceId);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CronField_ExplainsAndPreviewsAsYouType()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        IPage page = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(host.Base, "cron").ToString());

        await page.Locator("#cron-expression").PressSequentiallyAsync("*/15 9-17 * * MON-FRI");

        await Expect(page.Locator("#cron-result p.description")).ToHaveTextAsync(
            "At every 15th minute past every hour from 9 through 17 on every day-of-week from Monday through Friday.");
        await Expect(page.Locator("#cron-result li")).ToHaveCountAsync(10);
        await Expect(page.Locator("#cron-result li").First).ToContainTextAsync("2026-03-02 09:15:00 +00:00");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.Screenshots, "dashboard-cron.png"), FullPage = true });

        await page.Locator("#cron-expression").FillAsync("61 * * * *");
        await Expect(page.Locator("#cron-result p.error")).ToContainTextAsync("minute");
        await Expect(page.Locator("#cron-result li")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task HostileJobData_IsShownAsText_AndNoScriptRuns()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string named = scheduler.Schedule(() => { }, TestJobs.Script, new IntervalTrigger(minutes: 5), args: [TestJobs.Image]);
        string failed = await TestJobs.FailedAsync(scheduler, TestJobs.Image, TestJobs.Script);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        IPage page = await chromium.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        await page.GotoAsync(host.Base.ToString());
        await Expect(page.Locator("#jobs td.name a", new() { HasTextString = TestJobs.Script })).ToHaveTextAsync(TestJobs.Script);
        await Expect(page.Locator("#jobs td.name a", new() { HasTextString = TestJobs.Image })).ToHaveTextAsync(TestJobs.Image);

        await page.GotoAsync(new Uri(host.Base, $"jobs/{named}").ToString());
        await Expect(page.Locator("h1")).ToHaveTextAsync(TestJobs.Script);
        await Expect(page.Locator("#definition dd", new() { HasTextString = "onerror" })).ToHaveTextAsync($"\"{TestJobs.Image}\"");

        await page.GotoAsync(new Uri(host.Base, $"jobs/{failed}").ToString());
        await Expect(page.Locator("#history td.error")).ToHaveTextAsync(TestJobs.Script);

        await page.GotoAsync(new Uri(host.Base, "failures").ToString());
        await Expect(page.Locator("#failures td.error")).ToHaveTextAsync(TestJobs.Script);

        Assert.Equal(0, await page.Locator("img").CountAsync());
        Assert.Equal(1, await page.Locator("script").CountAsync());
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task Token_IsAskedFor_ThenKeptInAnHttpOnlyStrictCookie()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AccessToken = "browser-token");
        IPage page = await chromium.NewPageAsync();

        IResponse? first = await page.GotoAsync(host.Base.ToString());
        Assert.Equal(401, first!.Status);
        await Expect(page.Locator("#jobs")).ToHaveCountAsync(0);

        await page.Locator("#token").FillAsync("not-it");
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#login-error")).ToBeVisibleAsync();

        await page.Locator("#token").FillAsync("browser-token");
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#jobs td.name")).ToHaveTextAsync("nightly-report");
        BrowserContextCookiesResult cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "scheduler-dashboard-token");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Null(await page.EvaluateAsync<string?>("() => document.cookie.includes('scheduler-dashboard-token') ? 'visible' : null"));

        // The token guards the actions: once signed in, they are offered and work.
        await Expect(page.Locator("#actions-off")).ToHaveCountAsync(0);
        await page.Locator("tr[data-job] button[data-action=pause]").ClickAsync();
        await Expect(page.Locator("#notice")).ToHaveTextAsync("Paused nightly-report.");
        Assert.True((await scheduler.GetJobAsync(id, Ct))!.IsPaused);
    }

    [Fact]
    public async Task ByDefault_NothingGuardsTheActions_SoNoneIsOffered_AndThePageSaysHowToEnableThem()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = await ScheduleSampleJobsAsync(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler);
        IPage page = await chromium.NewPageAsync();

        await page.GotoAsync(host.Base.ToString());
        await Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(5);
        await Expect(page.Locator("#actions-off")).ToContainTextAsync("AllowAnonymousActions");
        await Expect(page.Locator("#actions-off")).ToContainTextAsync("RequireAuthorization");
        await Expect(page.Locator("button")).ToHaveCountAsync(1);
        await page.GotoAsync(new Uri(host.Base, $"jobs/{id}").ToString());
        await Expect(page.Locator("#history tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("form[method=post]")).ToHaveCountAsync(0);
        await page.GotoAsync(new Uri(host.Base, "failures").ToString());
        await Expect(page.Locator("#failures tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("form[method=post]")).ToHaveCountAsync(0);
        await Expect(page.Locator("#actions-off")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ReadOnly_OffersNoAction()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = await ScheduleSampleJobsAsync(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.ReadOnly = true);
        IPage page = await chromium.NewPageAsync();

        await page.GotoAsync(host.Base.ToString());
        await Expect(page.Locator("#read-only")).ToBeVisibleAsync();
        await Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(5);
        await Expect(page.Locator("button")).ToHaveCountAsync(1);
        await page.GotoAsync(new Uri(host.Base, $"jobs/{id}").ToString());
        await Expect(page.Locator("form[method=post]")).ToHaveCountAsync(0);
    }

    /// <summary>Five jobs as a real app has them; returns the id of the nightly report, which has run three times (once failing).</summary>
    private static async Task<string> ScheduleSampleJobsAsync(Scheduler scheduler)
    {
        var time = (Microsoft.Extensions.Time.Testing.FakeTimeProvider)scheduler.TimeProvider;
        TimeZoneInfo paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        int reportRuns = 0;
        string report = scheduler.Schedule(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(2400));
            if (Interlocked.Increment(ref reportRuns) == 2)
            {
                throw new InvalidOperationException("the warehouse database did not answer in 30 s");
            }

            return "report: 1,284 orders, 3 refunds";
        }, "nightly-report", CronTrigger.FromExpression("30 2 * * *", paris), maxRuns: null);
        scheduler.Schedule(() => { }, "cache-warmup", new IntervalTrigger(minutes: 15));
        scheduler.Schedule(() => { }, "weekly-digest", CronTrigger.FromExpression("0 8 * * MON", paris));
        string paused = scheduler.Schedule(() => { }, "sync-crm", CronTrigger.FromExpression("*/10 9-17 * * MON-FRI", TimeZoneInfo.Utc));
        await scheduler.PauseAsync(paused, Ct);
        scheduler.Schedule(() => { }, "send-invoices", new OnceTrigger(TestJobs.Start.AddHours(3)), args: ["2026-02"]);
        await scheduler.RunNowAsync(report, Ct);
        time.Advance(TimeSpan.FromMinutes(7));
        await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.RunNowAsync(report, Ct));
        time.Advance(TimeSpan.FromMinutes(4));
        await scheduler.RunNowAsync(report, Ct);
        return report;
    }
}
