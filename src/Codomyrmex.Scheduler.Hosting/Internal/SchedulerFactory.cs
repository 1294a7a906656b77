using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>Builds the host's scheduler from the options and the services DI has: clock, logging, metrics, store, tasks.</summary>
internal static class SchedulerFactory
{
    public const string MemoryStore = "memory";

    public const string SqliteStore = "sqlite";

    /// <summary>The SQLite file when the store text names none (<c>sqlite</c>), in the application's content root.</summary>
    public const string DefaultSqliteFile = "scheduler.db";

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

        StoreProviderRegistration? registered = FindProvider(services.GetServices<StoreProviderRegistration>(), name);
        if (registered is null && name.Equals(SqliteStore, StringComparison.OrdinalIgnoreCase))
        {
            // A relative path is relative to the content root, as appsettings.json is, not to wherever the process started.
            string root = services.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
            string file = string.IsNullOrWhiteSpace(argument) ? DefaultSqliteFile : argument.Trim();
            return new SqliteJobStore(new SqliteJobStoreOptions
            {
                Path = Path.GetFullPath(file, root),
                TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
            });
        }

        StoreProviderRegistration provider = registered = FindProvider(services.GetServices<StoreProviderRegistration>(), name)
            ?? throw new InvalidOperationException(UnknownStoreMessage(name, services.GetServices<StoreProviderRegistration>()));
        return provider.Create(new JobStoreProviderContext(services, argument));
    }

    public static bool IsBuiltInStore(string name) =>
        name.Equals(MemoryStore, StringComparison.OrdinalIgnoreCase) || name.Equals(SqliteStore, StringComparison.OrdinalIgnoreCase);

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
        string known = string.Join(", ",
            new[] { MemoryStore, SqliteStore }.Concat(providers.Select(provider => provider.Name)).Distinct(StringComparer.OrdinalIgnoreCase));
        string hint = name.Equals("postgres", StringComparison.OrdinalIgnoreCase)
            ? " The PostgreSQL store (Codomyrmex.Scheduler.PostgreSql) is not released yet."
            : string.Empty;
        return $"unknown store '{name}'; the stores this application knows are {known}.{hint}";
    }
}
