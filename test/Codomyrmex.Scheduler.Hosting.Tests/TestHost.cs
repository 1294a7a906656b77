using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

/// <summary>Builds real generic hosts with in-memory configuration and a fake clock in DI.</summary>
internal static class TestHost
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    public static IHost Build(FakeTimeProvider clock, IDictionary<string, string?>? configuration = null, Action<SchedulerBuilder>? scheduler = null,
        Action<IServiceCollection>? services = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.Services.AddSingleton<TimeProvider>(clock);
        SchedulerBuilder added = builder.Services.AddScheduler(options => options.TimeZone = TimeZoneInfo.Utc);
        scheduler?.Invoke(added);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>A task that does nothing.</summary>
    public static readonly Func<IServiceProvider, JobContext, CancellationToken, Task> NoOp = (_, _, _) => Task.CompletedTask;

    /// <summary>Advances the fake clock step by step and lets every run that came due finish, without sleeping.</summary>
    public static async Task AdvanceAsync(this IHost host, FakeTimeProvider clock, TimeSpan by, int steps = 1)
    {
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();
        for (int i = 0; i < steps; i++)
        {
            clock.Advance(by);
            await scheduler.WhenIdleAsync(TestContext.Current.CancellationToken);
        }
    }

    public static Dictionary<string, string?> Job(int index, string name, string task, string schedule, params (string Key, string Value)[] more)
    {
        var values = new Dictionary<string, string?>
        {
            [$"Scheduler:Jobs:{index}:name"] = name,
            [$"Scheduler:Jobs:{index}:task"] = task,
            [$"Scheduler:Jobs:{index}:schedule"] = schedule,
        };
        foreach ((string key, string value) in more)
        {
            values[$"Scheduler:Jobs:{index}:{key}"] = value;
        }

        return values;
    }

    public static Dictionary<string, string?> Merge(params Dictionary<string, string?>[] parts) =>
        parts.SelectMany(part => part).ToDictionary(pair => pair.Key, pair => pair.Value);
}
