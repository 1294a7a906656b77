using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

public sealed class SchedulerHostingConfigurationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_BadConfiguration_FailsWithEveryProblemAndItsPath()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        Dictionary<string, string?> configuration = TestHost.Merge(
            TestHost.Job(0, "good", "work", "*/5 * * * *"),
            TestHost.Job(1, "unknown-task", "nope", "@daily"),
            TestHost.Job(2, "bad-cron", "work", "61 * * * *"),
            TestHost.Job(3, "bad-duration", "work", "@daily", ("timeout", "5 minutes")),
            TestHost.Job(4, "bad-zone", "work", "0 9 * * *", ("time_zone", "Mars/Olympus")),
            TestHost.Job(5, "typo", "work", "@hourly", ("max_run", "3")),
            TestHost.Job(6, "good", "work", "@hourly"),
            new()
            {
                ["Scheduler:MaxWorkers"] = "0",
                ["Scheduler:Sotre"] = "memory",
            });
        using IHost host = TestHost.Build(clock, configuration, scheduler => scheduler.AddTask("work", TestHost.NoOp));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        string message = error.Message;
        Assert.Contains("Scheduler:Jobs:1:task: unknown task 'nope'; the tasks are work.", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Jobs:2:schedule: ", message, StringComparison.Ordinal);
        Assert.Contains("'61'", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Jobs:3:timeout: \"timeout\": the duration \"5 minutes\" is invalid", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Jobs:4:time_zone: unknown time zone 'Mars/Olympus'", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Jobs:5:max_run: unknown field \"max_run\" in a job; did you mean \"max_runs\"?", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Jobs:6:name: duplicate job name 'good'; the first job with that name is at Scheduler:Jobs:0:name.", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:MaxWorkers: 0 is too small; it must be at least 1.", message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Sotre: unknown setting 'Sotre'", message, StringComparison.Ordinal);
        Assert.StartsWith("The scheduler's settings have 8 problems:", message, StringComparison.Ordinal);
        Assert.True(message.IndexOf("Jobs:1:", StringComparison.Ordinal) < message.IndexOf("Jobs:2:", StringComparison.Ordinal), message);
    }

    [Fact]
    public async Task StartAsync_WorkersAboveTheLimitOrALeaseBelowTheMinimum_InConfiguration_FailsNamingThePathAndTheBound()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock,
            new Dictionary<string, string?> { ["Scheduler:MaxWorkers"] = "2147483647", ["Scheduler:LeaseDuration"] = "1ms" },
            scheduler => scheduler.AddTask("work", TestHost.NoOp));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Scheduler:MaxWorkers: 2147483647 is too large; it must be at most 10000.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:LeaseDuration: '1ms' is too short; it must be at least 1s.", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The scheduler's settings have 2 problems:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WorkersAboveTheLimitOrALeaseBelowTheMinimum_InCode_FailsNamingTheBound()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, scheduler: scheduler => scheduler.AddTask("work", TestHost.NoOp).Configure(options =>
        {
            options.MaxWorkers = int.MaxValue;
            options.LeaseDuration = TimeSpan.FromMilliseconds(1);
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("MaxWorkers is 2147483647; it must be at most 10000.", error.Message, StringComparison.Ordinal);
        Assert.Contains("LeaseDuration is 00:00:00.0010000; it must be at least 00:00:01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_JobWithoutNameTaskOrSchedule_SaysWhatIsMissing()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Jobs:0:max_runs"] = "1" },
            scheduler => scheduler.AddTask("work", TestHost.NoOp));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Scheduler:Jobs:0: the job has no \"name\";", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Jobs:0: the job has no \"task\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Jobs:0: the job has no \"schedule\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_CommandJobOfSchedctl_PointsToTask()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, TestHost.Job(0, "tar", "work", "@daily", ("command:0", "tar")),
            scheduler => scheduler.AddTask("work", TestHost.NoOp));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Scheduler:Jobs:0:command: \"command\" runs a program, which only schedctl's jobs file does", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownStore_NamesTheStoresItKnows()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = "mysql:Host=db" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Scheduler:Store: unknown store 'mysql'; the stores this application knows are memory, sqlite, postgres.", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_StoreProvider_IsChosenByConfigurationWithItsArgument()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        string? argument = null;
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = clock });
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = "custom:some/place" },
            scheduler => scheduler.UseInMemoryStore().AddStoreProvider("custom", context =>
            {
                argument = context.Argument;
                return store;
            }));

        await host.StartAsync(Token);

        Assert.Equal("some/place", argument);
        Assert.Same(store, host.Services.GetRequiredService<Scheduler>().Store);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StartAsync_SettingsFromConfiguration_WinOverCode()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock,
            new Dictionary<string, string?> { ["Scheduler:MaxWorkers"] = "7", ["Scheduler:NodeName"] = "node-a", ["Scheduler:TimeZone"] = "Asia/Tokyo" },
            scheduler => scheduler.Configure(options => options.MaxWorkers = 2));

        await host.StartAsync(Token);

        SchedulerHostingOptions options = host.Services.GetRequiredService<IOptions<SchedulerHostingOptions>>().Value;
        Assert.Equal(7, options.MaxWorkers);
        Assert.Equal("node-a", options.NodeName);
        Assert.Equal("Asia/Tokyo", options.TimeZone?.Id);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StartAsync_NodeName_NamesTheSchedulersInstance()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:NodeName"] = "worker-7" });

        await host.StartAsync(Token);

        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();
        Assert.Equal("worker-7", scheduler.Node.Name);
        Assert.StartsWith("worker-7/", scheduler.Node.InstanceId, StringComparison.Ordinal);
        NodeInfo node = Assert.Single(await scheduler.Store.ListNodesAsync(Token));
        Assert.Equal(scheduler.Node.InstanceId, node.InstanceId);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StartAsync_Retention_IsReadFromConfiguration()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?>
        {
            ["Scheduler:Retention:FinishedJobs"] = "forever",
            ["Scheduler:Retention:Runs"] = "30d",
            ["Scheduler:Retention:BatchSize"] = "50",
        });

        await host.StartAsync(Token);

        JobRetentionOptions retention = host.Services.GetRequiredService<IOptions<SchedulerHostingOptions>>().Value.Retention;
        Assert.Equal(new JobRetentionOptions { FinishedJobs = null, Runs = TimeSpan.FromDays(30), BatchSize = 50 }, retention);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StartAsync_RetentionFromConfiguration_DeletesFinishedJobsOfTheHostsStore()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Retention:FinishedJobs"] = "1h" });
        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();
        var job = new Job { Id = "0000000000042", Name = "done", Task = "work", CreatedAt = clock.GetUtcNow(), NextRun = clock.GetUtcNow() };
        await scheduler.Store.AddAsync(job, Token);
        await scheduler.Store.CancelAsync(job.Id, Token);

        clock.Advance(TimeSpan.FromMinutes(59));
        RetentionResult early = await scheduler.Store.PurgeExpiredAsync(Token);
        Assert.Equal(0, early.JobsDeleted);
        Assert.NotNull(await scheduler.Store.GetAsync(job.Id, Token));

        // Past the hour the job goes, by this purge or by the scheduler's own maintenance, which may run first as the clock moves.
        clock.Advance(TimeSpan.FromMinutes(2));
        await scheduler.Store.PurgeExpiredAsync(Token);
        Assert.Null(await scheduler.Store.GetAsync(job.Id, Token));
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task StartAsync_BadRetention_FailsWithItsPath()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?>
        {
            ["Scheduler:Retention:FinishedJobs"] = "0s",
            ["Scheduler:Retention:BatchSize"] = "0",
            ["Scheduler:Retention:Jobs"] = "1d",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Scheduler:Retention:FinishedJobs: '0s' is zero; it must be positive.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Retention:BatchSize: 0 is too small; it must be at least 1.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Retention:Jobs: unknown retention setting 'Jobs'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("memory:x", "Scheduler:Store: Store memory: takes nothing after it")]
    [InlineData("sqlite:", "Scheduler:Store: Store 'sqlite:' has no path after sqlite:")]
    [InlineData("mysql:db", "Scheduler:Store: unknown store 'mysql'; the stores this application knows are memory, sqlite, postgres.")]
    public async Task StartAsync_BadStoreText_SameParserAsSchedctl(string store, string expected)
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = store });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTask_SameNameTwice_ThrowsAtOnce()
    {
        var services = new ServiceCollection();
        SchedulerBuilder builder = services.AddScheduler().AddTask("work", TestHost.NoOp);

        var error = Assert.Throws<ArgumentException>(() => services.AddScheduler().AddTask("work", TestHost.NoOp));

        Assert.Contains("'work'", error.Message, StringComparison.Ordinal);
        Assert.Same(services, builder.Services);
    }
}
