using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>Builds the host's scheduler from the options and the services DI has: clock, logging, metrics, store, tasks.</summary>
internal static class SchedulerFactory
{
    public const string MemoryStore = "memory";

    public static Scheduler Create(IServiceProvider services)
    {
        SchedulerHostingOptions hosting = services.GetRequiredService<IOptions<SchedulerHostingOptions>>().Value;
        SchedulerOptions options = hosting.ToSchedulerOptions();
        options.TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        options.LoggerFactory = services.GetService<ILoggerFactory>();
        options.MeterFactory = services.GetService<IMeterFactory>();
        options.Store = services.GetRequiredService<StoreHolder>().Store;
        var scheduler = new Scheduler(options);
        foreach (TaskRegistration task in services.GetServices<TaskRegistration>())
        {
            task.Register(scheduler, services);
        }

        return scheduler;
    }

    public static IJobStore CreateStore(IServiceProvider services)
    {
        SchedulerHostingOptions options = services.GetRequiredService<IOptions<SchedulerHostingOptions>>().Value;
        if (options.StoreFactory is { } factory)
        {
            return factory(services);
        }

        (string name, string? argument) = SplitStore(options.Store);
        if (name.Equals(MemoryStore, StringComparison.OrdinalIgnoreCase))
        {
            return new InMemoryJobStore();
        }

        StoreProviderRegistration provider = FindProvider(services.GetServices<StoreProviderRegistration>(), name)
            ?? throw new InvalidOperationException(UnknownStoreMessage(name, services.GetServices<StoreProviderRegistration>()));
        return provider.Create(new JobStoreProviderContext(services, argument));
    }

    public static (string Name, string? Argument) SplitStore(string store)
    {
        int colon = store.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (store.Trim(), null) : (store[..colon].Trim(), store[(colon + 1)..]);
    }

    /// <summary>The last provider of that name, so that a later registration replaces an earlier one.</summary>
    public static StoreProviderRegistration? FindProvider(IEnumerable<StoreProviderRegistration> providers, string name) =>
        providers.LastOrDefault(provider => provider.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static string UnknownStoreMessage(string name, IEnumerable<StoreProviderRegistration> providers)
    {
        string known = string.Join(", ", new[] { MemoryStore }.Concat(providers.Select(provider => provider.Name)).Distinct(StringComparer.OrdinalIgnoreCase));
        string hint = name.Equals("sqlite", StringComparison.OrdinalIgnoreCase) || name.Equals("postgres", StringComparison.OrdinalIgnoreCase)
            ? $" The '{name}' store comes with its own package (Codomyrmex.Scheduler.{(name.Equals("sqlite", StringComparison.OrdinalIgnoreCase) ? "Sqlite" : "PostgreSql")}), which adds its provider to AddScheduler()."
            : string.Empty;
        return $"unknown store '{name}'; the stores this application knows are {known}.{hint}";
    }
}
