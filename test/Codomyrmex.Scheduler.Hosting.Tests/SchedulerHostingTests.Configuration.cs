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
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = "postgres:Host=db" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Scheduler:Store: unknown store 'postgres'; the stores this application knows are memory, sqlite.", error.Message, StringComparison.Ordinal);
        Assert.Contains("not released yet", error.Message, StringComparison.Ordinal);
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
    public void AddTask_SameNameTwice_ThrowsAtOnce()
    {
        var services = new ServiceCollection();
        SchedulerBuilder builder = services.AddScheduler().AddTask("work", TestHost.NoOp);

        var error = Assert.Throws<ArgumentException>(() => services.AddScheduler().AddTask("work", TestHost.NoOp));

        Assert.Contains("'work'", error.Message, StringComparison.Ordinal);
        Assert.Same(services, builder.Services);
    }
}
