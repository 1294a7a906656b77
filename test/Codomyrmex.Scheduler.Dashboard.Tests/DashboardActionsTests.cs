using System.Net;

namespace Codomyrmex.Scheduler.Dashboard.Tests;

/// <summary>The actions over HTTP: each changes the job as it says, only with a valid antiforgery token, never in read-only mode.</summary>
public sealed class DashboardActionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PauseResumeCancel_ChangeTheJob_AndReturnToThePageWithANotice()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        using HttpClient client = host.Client();
        string token = DashboardHost.AntiforgeryToken(await client.GetStringAsync("", Ct));

        HttpResponseMessage paused = await DashboardHost.PostAsync(client, $"jobs/{id}/pause", ("__RequestVerificationToken", token), ("return", $"/scheduler/jobs/{id}"));
        Assert.Equal(HttpStatusCode.SeeOther, paused.StatusCode);
        Assert.Equal($"/scheduler/jobs/{id}?notice=Paused%20nightly-report.", paused.Headers.Location?.OriginalString);
        Assert.True((await scheduler.GetJobAsync(id, Ct))!.IsPaused);

        await DashboardHost.PostAsync(client, $"jobs/{id}/resume", ("__RequestVerificationToken", token));
        Assert.False((await scheduler.GetJobAsync(id, Ct))!.IsPaused);

        HttpResponseMessage cancelled = await DashboardHost.PostAsync(client, $"jobs/{id}/cancel", ("__RequestVerificationToken", token), ("return", "https://evil.example/"));
        Assert.Equal(JobStatus.Cancelled, (await scheduler.GetJobAsync(id, Ct))!.Status);
        Assert.Equal("/scheduler/?notice=Cancelled%20nightly-report.", cancelled.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task RunNowAndRetry_RunTheJobOnce_Each()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        var ran = System.Threading.Channels.Channel.CreateUnbounded<int>();
        int count = 0;
        string id = scheduler.Schedule(() => { ran.Writer.TryWrite(Interlocked.Increment(ref count)); }, "report", new IntervalTrigger(hours: 1));
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        using HttpClient client = host.Client();
        string token = DashboardHost.AntiforgeryToken(await client.GetStringAsync("", Ct));

        HttpResponseMessage run = await DashboardHost.PostAsync(client, $"jobs/{id}/run", ("__RequestVerificationToken", token));
        Assert.Equal(1, await ran.Reader.ReadAsync(Ct));
        HttpResponseMessage retry = await DashboardHost.PostAsync(client, $"jobs/{id}/retry", ("__RequestVerificationToken", token));
        Assert.Equal(2, await ran.Reader.ReadAsync(Ct));

        Assert.Equal("/scheduler/?notice=Running%20report%20now.", run.Headers.Location?.OriginalString);
        Assert.Equal("/scheduler/?notice=Retrying%20report%20now.", retry.Headers.Location?.OriginalString);
        await scheduler.WhenIdleAsync(Ct);
        Assert.Equal(2, (await scheduler.GetRunsAsync(new RunQuery { JobId = id }, Ct)).Total);
    }

    [Fact]
    public async Task RunNow_CancelledJob_IsRefusedWithTheReason()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await scheduler.CancelAsync(id, Ct);
        TestJobs.Nightly(scheduler, "other");
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        using HttpClient client = host.Client();
        Assert.DoesNotContain("<form method=\"post\"", await client.GetStringAsync($"jobs/{id}", Ct));
        string token = DashboardHost.AntiforgeryToken(await client.GetStringAsync("", Ct));

        HttpResponseMessage run = await DashboardHost.PostAsync(client, $"jobs/{id}/run", ("__RequestVerificationToken", token));

        Assert.Contains("notice=The%20job%20is%20cancelled", run.Headers.Location?.OriginalString);
        Assert.Equal(0, (await scheduler.GetJobAsync(id, Ct))!.RunCount);
    }

    [Fact]
    public async Task Actions_WithoutOrWithAForeignAntiforgeryToken_AreRefused_AndChangeNothing()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options => options.AllowAnonymousActions = true);
        using HttpClient attacker = host.Client();
        using HttpClient victim = host.Client();
        string attackersToken = DashboardHost.AntiforgeryToken(await attacker.GetStringAsync("", Ct));
        await victim.GetStringAsync("", Ct);

        HttpResponseMessage none = await DashboardHost.PostAsync(victim, $"jobs/{id}/cancel");
        HttpResponseMessage foreign = await DashboardHost.PostAsync(victim, $"jobs/{id}/cancel", ("__RequestVerificationToken", attackersToken));

        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Contains("antiforgery", await foreign.Content.ReadAsStringAsync(Ct));
        Assert.Equal(JobStatus.Pending, (await scheduler.GetJobAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task ReadOnly_ShowsNoActions_AndRefusesThem_EvenWithAnonymousActionsAllowed()
    {
        await using Scheduler scheduler = TestJobs.Create(TestJobs.Clock());
        string id = TestJobs.Nightly(scheduler);
        await TestJobs.FailedAsync(scheduler, "import", "boom");
        await using DashboardHost host = await DashboardHost.StartAsync(scheduler, options =>
        {
            options.ReadOnly = true;
            options.AllowAnonymousActions = true;
        });
        using HttpClient client = host.Client();

        foreach (string path in new[] { "", $"jobs/{id}", "failures", "nodes" })
        {
            string html = await client.GetStringAsync(path, Ct);
            Assert.DoesNotContain("<form method=\"post\"", html);
            Assert.Contains("id=\"read-only\"", html);
        }

        HttpResponseMessage cancel = await DashboardHost.PostAsync(client, $"jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        Assert.Equal("This dashboard is read-only: it changes nothing.", await cancel.Content.ReadAsStringAsync(Ct));
        Assert.Equal(JobStatus.Pending, (await scheduler.GetJobAsync(id, Ct))!.Status);
    }
}
