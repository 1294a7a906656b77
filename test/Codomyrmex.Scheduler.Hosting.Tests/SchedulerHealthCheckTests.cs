using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

public sealed class SchedulerHealthCheckTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<HealthReportEntry> CheckAsync(IHost host) =>
        (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Token)).Entries["scheduler"];

    [Fact]
    public async Task CheckHealth_RunningThenStopped_IsHealthyThenUnhealthy()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, scheduler: scheduler => scheduler.AddHealthCheck());

        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(host)).Status);   // not started yet
        await host.StartAsync(Token);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
        await host.StopAsync(Token);

        HealthReportEntry stopped = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Contains("not running", stopped.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_StoreUnreachable_IsUnhealthyWithTheError()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var store = new UnreachableStore(clock);
        using IHost host = TestHost.Build(clock, scheduler: scheduler => scheduler.UseStore(_ => store),
            services: services => services.AddHealthChecks().AddScheduler());
        await host.StartAsync(Token);

        store.Unreachable = true;
        HealthReportEntry entry = await CheckAsync(host);
        store.Unreachable = false;

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("store cannot be reached", entry.Description, StringComparison.Ordinal);
        Assert.IsType<IOException>(entry.Exception);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task CheckHealth_DispatcherThatCannotClaim_IsUnhealthyUntilAClaimSucceeds()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var store = new UnreachableStore(clock);
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "tick", "tick", "@every 1m"),
            scheduler => scheduler.UseStore(_ => store).AddTask("tick", TestHost.NoOp).AddHealthCheck());
        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();

        store.ClaimsFail = true;
        clock.Advance(TimeSpan.FromMinutes(1));
        await WaitForAsync(() => scheduler.LastDispatchError is not null);
        HealthReportEntry failing = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, failing.Status);
        Assert.Contains("dispatcher cannot claim due runs: InvalidDataException: database disk image is malformed", failing.Description, StringComparison.Ordinal);

        // The dispatcher tries again a second later (on the scheduler's clock); one successful claim makes it healthy.
        store.ClaimsFail = false;
        await WaitForAsync(() => scheduler.LastDispatchError is null, advance: () => clock.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
        await host.StopAsync(Token);
    }

    /// <summary>
    /// Waits (on the real clock, bounded) for the dispatcher thread to reach a state, moving virtual time a step each time
    /// round if asked to (the test cannot see when the dispatcher arms its retry timer).
    /// </summary>
    private static async Task WaitForAsync(Func<bool> condition, Action? advance = null)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "The dispatcher never reached the expected state.");
            advance?.Invoke();
            await Task.Delay(1, Token);
        }
    }

    [Fact]
    public async Task CheckHealth_JobFailingRepeatedly_IsDegradedUntilItSucceeds()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        bool broken = true;
        using IHost host = TestHost.Build(clock, TestHost.Merge(TestHost.Job(0, "flaky", "flaky", "@every 1m"), TestHost.Job(1, "fine", "fine", "@every 1m")),
            scheduler => scheduler
                .AddTask("flaky", (_, _, _) => broken ? throw new InvalidOperationException("disk full") : Task.CompletedTask)
                .AddTask("fine", (_, _, _) => Task.CompletedTask)
                .AddHealthCheck(options => options.FailedRunsThreshold = 2));
        await host.StartAsync(Token);

        await host.AdvanceAsync(clock, TimeSpan.FromMinutes(1));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);   // one failure is not yet "repeatedly"

        await host.AdvanceAsync(clock, TimeSpan.FromMinutes(1));
        HealthReportEntry degraded = await CheckAsync(host);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("flaky", degraded.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("fine", degraded.Description, StringComparison.Ordinal);
        Assert.Contains("disk full", (string)degraded.Data["flaky"], StringComparison.Ordinal);

        broken = false;
        await host.AdvanceAsync(clock, TimeSpan.FromMinutes(1));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task CheckHealth_Healthy_HasThisNodesInstanceIdAndTheLiveNodeCount()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:NodeName"] = "web-1" },
            scheduler => scheduler.AddHealthCheck());
        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();

        HealthReportEntry entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(scheduler.Node.InstanceId, entry.Data["instance_id"]);
        Assert.StartsWith("web-1/", (string)entry.Data["instance_id"], StringComparison.Ordinal);
        Assert.Equal(1, entry.Data["nodes"]);
        Assert.Contains("knows 1 live nodes", entry.Description, StringComparison.Ordinal);
        await host.StopAsync(Token);
    }

    [Fact]
    public void AddScheduler_ThresholdBelowOne_Throws()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddHealthChecks().AddScheduler(configure: options => options.FailedRunsThreshold = 0));
    }
}
