using System.Diagnostics.Metrics;
using Codomyrmex.Scheduler.PostgreSql;
using Codomyrmex.Scheduler.Shared;
using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>Builds the host's scheduler from the options and the services DI has: clock, logging, metrics, store, tasks.</summary>
internal static class SchedulerFactory
{
    private static readonly string[] BuiltInStores = ["memory", "sqlite", "postgres"];

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
        if (!hosting.LeaseDurationSet && options.Store is PostgreSqlJobStore)
        {
            options.LeaseDuration = PostgreSqlJobStore.RecommendedLeaseDuration;
        }

        var scheduler = new Scheduler(options);
        foreach (TaskRegistration task in services.GetServices<TaskRegistration>())
        {
            task.Register(scheduler, services);
        }

        return scheduler;
    }

    public static StoreHolder CreateStore(IServiceProvider services)
    {
        SchedulerHostingOptions options = services.GetRequiredService<IOptions<SchedulerHostingOptions>>().Value;
        if (options.StoreFactory is { } factory)
        {
            return new StoreHolder(factory(services));
        }

        // The store text was validated at start; a provider registered for its scheme wins over the built-in stores.
        StoreText store = StoreText.Parse(options.Store);
        IEnumerable<StoreProviderRegistration> providers = services.GetServices<StoreProviderRegistration>();
        if (store.Scheme.Length > 0 && FindProvider(providers, store.Scheme) is { } provider)
        {
            return new StoreHolder(provider.Create(new JobStoreProviderContext(services, store.Argument)));
        }

        switch (store.Kind)
        {
            case StoreKind.Memory:
                return new StoreHolder(new InMemoryJobStore(new InMemoryJobStoreOptions
                {
                    TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
                    Retention = options.Retention,
                    Logger = StoreLogger(services),
                }));
            case StoreKind.Sqlite:
                // A relative path is relative to the content root, as appsettings.json is, not to wherever the process started.
                string root = services.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
                return new StoreHolder(new SqliteJobStore(new SqliteJobStoreOptions
                {
                    Path = store.SqlitePath(DefaultSqliteFile, root),
                    TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
                    Retention = options.Retention,
                    Logger = StoreLogger(services),
                }));
            case StoreKind.Postgres:
                // The connection string was read and checked at start (the validator); the store owns nothing, the holder its data source.
                PostgresTarget target = PostgresTarget.Read(store.Argument ?? options.NamedConnectionString!);
                NpgsqlDataSource source = PostgreSqlJobStore.CreateDataSource(target.ConnectionString);
                return new StoreHolder(new PostgreSqlJobStore(source, PostgreSqlOptions(services, options, target.Schema)), source);
            default:
                throw new InvalidOperationException(UnknownStoreMessage(store, providers));
        }
    }

    /// <summary>
    /// The PostgreSQL store's options: those given to <c>UsePostgreSqlStore</c>, else the host's retention and logger; a
    /// <c>Schema=</c> key of the connection string wins over the options' schema.
    /// </summary>
    public static PostgreSqlJobStoreOptions PostgreSqlOptions(IServiceProvider services, SchedulerHostingOptions options, string? schema)
    {
        PostgreSqlJobStoreOptions given = options.PostgreSqlOptions ?? new PostgreSqlJobStoreOptions { Retention = options.Retention, Logger = StoreLogger(services) };
        return schema is null ? given : new PostgreSqlJobStoreOptions
        {
            Schema = schema,
            History = given.History,
            Retention = given.Retention,
            Logger = given.Logger,
            TimeProvider = given.TimeProvider,
            ListenForChanges = given.ListenForChanges,
        };
    }

    /// <summary>The host's logger for a built-in store (it logs, for one, a <c>Changed</c> handler that throws), or none.</summary>
    private static ILogger? StoreLogger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger("Codomyrmex.Scheduler.Storage");

    /// <summary>The last provider of that name, so that a later registration replaces an earlier one.</summary>
    public static StoreProviderRegistration? FindProvider(IEnumerable<StoreProviderRegistration> providers, string name) =>
        providers.LastOrDefault(provider => provider.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The message for a scheme no provider is registered for, naming the stores the application knows.</summary>
    public static string UnknownStoreMessage(StoreText store, IEnumerable<StoreProviderRegistration> providers)
    {
        string known = string.Join(", ",
            BuiltInStores.Concat(providers.Select(provider => provider.Name)).Distinct(StringComparer.OrdinalIgnoreCase));
        return $"unknown store '{store.Scheme}'; the stores this application knows are {known}.";
    }
}
