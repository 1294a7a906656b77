using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

public sealed class SchedulerHostingShutdownTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StopAsync_RunningJob_WaitsForItToFinish()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool cancelled = false;
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "slow", "slow", "@every 1m"),
            scheduler => scheduler.AddTask("slow", async (_, _, cancellationToken) =>
            {
                started.SetResult();
                await release.Task;
                cancelled = cancellationToken.IsCancellationRequested;
            }));
        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();

        clock.Advance(TimeSpan.FromMinutes(1));
        await started.Task.WaitAsync(Token);
        Task stopping = host.StopAsync(Token);
        while (scheduler.IsRunning)
        {
            await Task.Yield();   // until the scheduler has begun to stop: it no longer fires, and waits for the run
        }

        Assert.False(stopping.IsCompleted);
        release.SetResult();
        await stopping;

        Assert.False(cancelled);
        RunRecord run = Assert.Single((await scheduler.GetRunsAsync(default, Token)).Items);
        Assert.Equal(RunOutcome.Succeeded, run.Outcome);
    }

    [Fact]
    public async Task StopAsync_HostShutdownTimeoutEnds_CancelsTheRunningJob()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "stuck", "stuck", "@every 1m"),
            scheduler => scheduler.AddTask("stuck", async (_, _, cancellationToken) =>
            {
                started.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }),
            services => services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromMinutes(10)));
        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();

        clock.Advance(TimeSpan.FromMinutes(1));
        await started.Task.WaitAsync(Token);
        using var hostGivesUp = new CancellationTokenSource();
        await hostGivesUp.CancelAsync();   // what the host's token does when its ShutdownTimeout ends
        await host.StopAsync(hostGivesUp.Token);
        await scheduler.WhenIdleAsync(Token);

        // Stopped by the shutdown, not by a fault of its own: interrupted, not failed.
        RunRecord run = Assert.Single((await scheduler.GetRunsAsync(default, Token)).Items);
        Assert.Equal(RunOutcome.Interrupted, run.Outcome);
        Assert.Contains("interrupted by the shutdown", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_SchedulerShutdownTimeoutFromConfiguration_CancelsTheRunningJobOnTheFakeClock()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = TestHost.Build(clock,
            TestHost.Merge(TestHost.Job(0, "stuck", "stuck", "@every 1m"), new() { ["Scheduler:ShutdownTimeout"] = "5s" }),
            scheduler => scheduler.AddTask("stuck", async (_, _, cancellationToken) =>
            {
                started.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }));
        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();

        clock.Advance(TimeSpan.FromMinutes(1));
        await started.Task.WaitAsync(Token);
        DateTimeOffset stopBegan = clock.GetUtcNow();
        Task stopping = host.StopAsync(Token);

        // The scheduler sets its shutdown timer on the fake clock at some moment after StopAsync began; advancing in steps
        // until it ends (rather than once by 5s) cannot race with that moment.
        while (!stopping.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromMilliseconds(5), Token));
        }

        await stopping;
        await scheduler.WhenIdleAsync(Token);
        Assert.True(clock.GetUtcNow() - stopBegan >= TimeSpan.FromSeconds(5), "stopped before the configured ShutdownTimeout");

        RunRecord run = Assert.Single((await scheduler.GetRunsAsync(default, Token)).Items);
        Assert.NotEqual(RunOutcome.Succeeded, run.Outcome);
    }
}
