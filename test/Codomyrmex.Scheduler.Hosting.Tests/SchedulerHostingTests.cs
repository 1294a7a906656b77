using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

public sealed class SchedulerHostingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_ConfiguredJob_FiresOnTheFakeClock()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var log = new RunLog();
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "tick", "count", "@every 1m"),
            scheduler => scheduler.AddTask("count", (_, context, _) =>
            {
                log.Add(context.JobName);
                return Task.CompletedTask;
            }));

        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();
        Assert.True(scheduler.IsRunning);
        await host.AdvanceAsync(clock, TimeSpan.FromMinutes(1), steps: 3);

        Assert.Equal(["tick", "tick", "tick"], log.Runs);
        Job job = Assert.Single(scheduler.ListJobs());
        Assert.Equal(SchedulerHostingOptions.JobSource, job.Source);
        Assert.Equal(3, job.RunCount);
        await host.StopAsync(Token);
        Assert.False(scheduler.IsRunning);
    }

    [Fact]
    public async Task AddTask_TaskClass_GetsANewScopeForEachRunAndDisposesIt()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var log = new RunLog();
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "probe", "probe", "*/5 * * * *"),
            scheduler => scheduler.AddTask<ProbeTask>("probe"),
            services => services.AddSingleton(log).AddScoped<ScopedProbe>());

        await host.StartAsync(Token);
        await host.AdvanceAsync(clock, TimeSpan.FromMinutes(5), steps: 3);

        Assert.Equal(3, log.Runs.Count);
        ScopedProbe[] probes = [.. log.Probes];
        Assert.Equal(3, probes.Length);
        Assert.Equal(3, probes.Distinct().Count());
        Assert.All(probes, probe => Assert.False(probe.DisposedDuringRun));
        Assert.All(probes, probe => Assert.True(probe.Disposed));
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task AddTask_TaskClassWithResult_RecordsTheResult()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "answer", "answer", "@hourly"),
            scheduler => scheduler.AddTask<AnswerTask, int>("answer"));

        await host.StartAsync(Token);
        await host.AdvanceAsync(clock, TimeSpan.FromHours(1));

        Job job = Assert.Single(host.Services.GetRequiredService<Scheduler>().ListJobs());
        Assert.Equal(42, job.Result);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StartAsync_JobFields_ReachTheDefinition()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        JobContext? seen = null;
        var configuration = new Dictionary<string, string?>
        {
            ["Scheduler:Jobs:backup:task"] = "backup",
            ["Scheduler:Jobs:backup:trigger:type"] = "interval",
            ["Scheduler:Jobs:backup:trigger:minutes"] = "10",
            ["Scheduler:Jobs:backup:args:0"] = "/data",
            ["Scheduler:Jobs:backup:args:1"] = "/backup",
            ["Scheduler:Jobs:backup:kwargs:level"] = "9",
            ["Scheduler:Jobs:backup:timeout"] = "30s",
            ["Scheduler:Jobs:backup:max_runs"] = "5",
            ["Scheduler:Jobs:backup:overlap"] = "queue",
            ["Scheduler:Jobs:backup:misfire"] = "skip",
            ["Scheduler:Jobs:backup:misfire_grace"] = "2m",
            ["Scheduler:Jobs:backup:max_attempts"] = "3",
            ["Scheduler:Jobs:backup:retry_delay"] = "10s",
            ["Scheduler:Jobs:backup:recoverable"] = "true",
        };
        using IHost host = TestHost.Build(clock, configuration, scheduler => scheduler.AddTask("backup", (_, context, _) =>
        {
            seen = context;
            return Task.CompletedTask;
        }));

        await host.StartAsync(Token);
        await host.AdvanceAsync(clock, TimeSpan.FromMinutes(10));

        Job job = Assert.Single(host.Services.GetRequiredService<Scheduler>().ListJobs());
        Assert.Equal("backup", job.Name);
        Assert.Equal(TimeSpan.FromMinutes(10), Assert.IsType<IntervalTrigger>(job.Trigger).Interval);
        Assert.Equal(5, job.MaxRuns);
        Assert.Equal(
            new JobOptions
            {
                Timeout = TimeSpan.FromSeconds(30), Overlap = OverlapPolicy.Queue, Misfire = MisfirePolicy.Skip,
                MisfireGraceTime = TimeSpan.FromMinutes(2), MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(10), Recoverable = true,
            },
            job.Options);
        Assert.NotNull(seen);
        Assert.Equal(["/data", "/backup"], seen.Args.Select(arg => ((JsonNode)arg!).GetValue<string>()));
        Assert.Equal("9", ((JsonNode)seen.Kwargs["level"]!).GetValue<string>());
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StartAsync_TimeZoneOfASchedule_FiresAtThatWallClockTime()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var log = new RunLog();
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "berlin", "log", "0 9 * * *", ("time_zone", "Europe/Berlin")),
            scheduler => scheduler.AddTask("log", (_, context, _) =>
            {
                log.Add(context.FireTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
                return Task.CompletedTask;
            }));

        await host.StartAsync(Token);
        await host.AdvanceAsync(clock, TimeSpan.FromHours(1), steps: 24);

        Assert.Equal(["08:00"], log.Runs);   // 09:00 in Berlin is 08:00 UTC in November
        await host.StopAsync(Token);
    }
}
