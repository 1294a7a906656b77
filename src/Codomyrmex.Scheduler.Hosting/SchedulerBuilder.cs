using System.Diagnostics.CodeAnalysis;
using Codomyrmex.Scheduler.Hosting.Internal;
using Codomyrmex.Scheduler.PostgreSql;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Codomyrmex.Scheduler.Hosting;

/// <summary>Adds tasks, declared jobs, a store and a health check to the scheduler that <c>services.AddScheduler()</c> registered.</summary>
/// <remarks>Every method returns the builder, so calls chain. Other packages (the SQLite store) add extension methods to it.</remarks>
public sealed class SchedulerBuilder
{
    private readonly HashSet<string> _taskNames;

    internal SchedulerBuilder(IServiceCollection services, HashSet<string> taskNames)
    {
        Services = services;
        _taskNames = taskNames;
    }

    /// <summary>Gets the service collection the scheduler is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a task written as a class, resolved from a new DI scope for each run.</summary>
    /// <typeparam name="TTask">The task's class; registered as a scoped service unless it is registered already.</typeparam>
    /// <param name="name">The task's name, which jobs (in configuration, in a store) refer to.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name was added already.</exception>
    /// <remarks>
    /// Each run creates a scope, resolves <typeparamref name="TTask"/> from it (so the task may take scoped services such as
    /// a <c>DbContext</c>), runs it with the run's token, and disposes the scope when the run ends.
    /// </remarks>
    public SchedulerBuilder AddTask<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TTask>(string name)
        where TTask : class, IJobTask
    {
        Services.TryAddScoped<TTask>();
        return AddTaskCore(name, async (services, context, cancellationToken) =>
        {
            await services.GetRequiredService<TTask>().ExecuteAsync(context, cancellationToken).ConfigureAwait(false);
            return null;
        });
    }

    /// <summary>Adds a task written as a class that returns a result, resolved from a new DI scope for each run.</summary>
    /// <typeparam name="TTask">The task's class; registered as a scoped service unless it is registered already.</typeparam>
    /// <typeparam name="TResult">The result type; the result becomes <see cref="Job.Result"/>.</typeparam>
    /// <param name="name">The task's name, which jobs (in configuration, in a store) refer to.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name was added already.</exception>
    /// <remarks>See <see cref="AddTask{TTask}(string)"/>.</remarks>
    public SchedulerBuilder AddTask<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TTask, TResult>(string name)
        where TTask : class, IJobTask<TResult>
    {
        Services.TryAddScoped<TTask>();
        return AddTaskCore(name, async (services, context, cancellationToken) =>
            await services.GetRequiredService<TTask>().ExecuteAsync(context, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Adds a task written as a delegate, which gets the services of a new DI scope for each run.</summary>
    /// <param name="name">The task's name, which jobs (in configuration, in a store) refer to.</param>
    /// <param name="handler">The task: it gets the run's scoped services, its context and its token.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name was added already.</exception>
    public SchedulerBuilder AddTask(string name, Func<IServiceProvider, JobContext, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return AddTaskCore(name, async (services, context, cancellationToken) =>
        {
            await handler(services, context, cancellationToken).ConfigureAwait(false);
            return null;
        });
    }

    /// <summary>Adds a task written as a delegate that returns a result, with the services of a new DI scope for each run.</summary>
    /// <param name="name">The task's name, which jobs (in configuration, in a store) refer to.</param>
    /// <param name="handler">The task: it gets the run's scoped services, its context and its token, and returns the run's result.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is empty, or a task with that name was added already.</exception>
    public SchedulerBuilder AddTask(string name, Func<IServiceProvider, JobContext, CancellationToken, Task<object?>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return AddTaskCore(name, handler);
    }

    /// <summary>Declares a job in code; it is reconciled by name at start, with the jobs of the <c>Scheduler:Jobs</c> configuration section.</summary>
    /// <param name="definition">The job.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="definition"/> is null.</exception>
    /// <remarks>
    /// Declared jobs, unlike jobs scheduled with <see cref="Scheduler.Schedule(string, Trigger?, System.Text.Json.Nodes.JsonArray?, System.Text.Json.Nodes.JsonObject?, string?, int?, JobOptions?)"/>,
    /// are not added again at each start: on a durable store, a restart finds the job by name and keeps its history. A
    /// configured job with the same name replaces this one.
    /// </remarks>
    public SchedulerBuilder AddJob(JobDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Configure(options => options.Jobs.Add(definition));
    }

    /// <summary>Configures the options (after <c>AddScheduler</c>'s own delegate; the <c>Scheduler</c> configuration section still wins).</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public SchedulerBuilder Configure(Action<SchedulerHostingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Keeps jobs in memory (the default): fast, and gone when the process ends.</summary>
    /// <returns>This builder.</returns>
    public SchedulerBuilder UseInMemoryStore() => UseStore("memory");

    /// <summary>Keeps jobs and their history in a SQLite file, so they survive restarts and crashes.</summary>
    /// <param name="path">The file; a relative path is relative to the content root. <see langword="null"/> for <c>scheduler.db</c> there.</param>
    /// <returns>This builder.</returns>
    /// <remarks>The same as <c>"Store": "sqlite:PATH"</c> in the <c>Scheduler</c> configuration section, which wins over this.</remarks>
    public SchedulerBuilder UseSqliteStore(string? path = null) => UseStore(path is null ? "sqlite" : "sqlite:" + path);

    /// <summary>Keeps jobs and their history in a PostgreSQL database, with the store's default options and the host's retention and logger.</summary>
    /// <param name="connectionString">The Npgsql connection string; it may add <c>Schema=NAME</c> for the schema of the store's tables.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null or empty.</exception>
    /// <remarks>See <see cref="UsePostgreSqlStore(string, PostgreSqlJobStoreOptions?)"/>.</remarks>
    public SchedulerBuilder UsePostgreSqlStore(string connectionString) => UsePostgreSqlStore(connectionString, options: null);

    /// <summary>Keeps jobs and their history in a PostgreSQL database reached through a data source the application owns, with the default options.</summary>
    /// <param name="dataSource">The data source; the host does not dispose it.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is null.</exception>
    /// <remarks>See <see cref="UsePostgreSqlStore(NpgsqlDataSource, PostgreSqlJobStoreOptions?)"/>.</remarks>
    public SchedulerBuilder UsePostgreSqlStore(NpgsqlDataSource dataSource) => UsePostgreSqlStore(dataSource, options: null);

    /// <summary>
    /// Keeps jobs and their history in a PostgreSQL database, which any number of hosts may share: each occurrence runs on one
    /// of them, and the runs of a host that dies are taken over by another.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string; it may add <c>Schema=NAME</c> for the schema of the store's tables.</param>
    /// <param name="options">
    /// The store's options; <see langword="null"/> for the defaults with the host's <see cref="SchedulerHostingOptions.Retention"/>
    /// and logger.
    /// </param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null or empty.</exception>
    /// <remarks>
    /// The same as <c>"Store": "postgres:CONNECTION-STRING"</c> in the <c>Scheduler</c> configuration section (or <c>"Store": "postgres"</c>
    /// with <c>"ConnectionStringName"</c>), which wins over this. The host makes the store's data source with
    /// <see cref="PostgreSqlJobStore.CreateDataSource"/> (the store's statements prepared on each connection) and disposes it.
    /// </remarks>
    public SchedulerBuilder UsePostgreSqlStore(string connectionString, PostgreSqlJobStoreOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Configure(hosting =>
        {
            hosting.Store = "postgres:" + connectionString;
            hosting.StoreFactory = null;
            hosting.PostgreSqlOptions = options;
        });
    }

    /// <summary>
    /// Keeps jobs and their history in a PostgreSQL database reached through a data source the application owns (and
    /// disposes), which any number of hosts may share.
    /// </summary>
    /// <param name="dataSource">The data source; the host does not dispose it.</param>
    /// <param name="options">
    /// The store's options; <see langword="null"/> for the defaults with the host's <see cref="SchedulerHostingOptions.Retention"/>
    /// and logger.
    /// </param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is null.</exception>
    /// <remarks>
    /// A <c>Scheduler:Store</c> setting in configuration wins over this. The data source is used as it is:
    /// <see cref="PostgreSqlJobStore.CreateDataSource"/> makes one that prepares the store's statements.
    /// </remarks>
    public SchedulerBuilder UsePostgreSqlStore(NpgsqlDataSource dataSource, PostgreSqlJobStoreOptions? options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return Configure(hosting =>
        {
            hosting.PostgreSqlOptions = options;
            hosting.StoreFactory = services => new PostgreSqlJobStore(dataSource, SchedulerFactory.PostgreSqlOptions(services, hosting, schema: null));
        });
    }

    /// <summary>Chooses the store by its text, as the <c>Scheduler:Store</c> setting does: <c>memory</c>, <c>sqlite:jobs.db</c>, ...</summary>
    /// <param name="store">The provider's name, then optionally a colon and its argument.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="store"/> is null or empty.</exception>
    public SchedulerBuilder UseStore(string store)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(store);
        return Configure(options =>
        {
            options.Store = store;
            options.StoreFactory = null;
        });
    }

    /// <summary>Uses the store a factory makes (called once, when the scheduler is first resolved).</summary>
    /// <param name="factory">Makes the store from the application's services.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    /// <remarks>A <c>Scheduler:Store</c> setting in configuration wins over this.</remarks>
    public SchedulerBuilder UseStore(Func<IServiceProvider, IJobStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Configure(options => options.StoreFactory = factory);
    }

    /// <summary>Adds a store provider that the store text (<c>Scheduler:Store</c>, <see cref="UseStore(string)"/>) can name.</summary>
    /// <param name="name">The provider's name: the text before the first colon, matched ignoring case.</param>
    /// <param name="factory">Makes the store from the services and the text after the colon.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or contains a colon.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    /// <remarks>Adding a provider does not choose it. A later provider of the same name replaces an earlier one.</remarks>
    public SchedulerBuilder AddStoreProvider(string name, Func<JobStoreProviderContext, IJobStore> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The store provider name '{name}' contains a colon, which separates the name from its argument.", nameof(name));
        }

        Services.AddSingleton(new StoreProviderRegistration(name, factory));
        return this;
    }

    /// <summary>Adds the scheduler's health check to the application's health checks (<c>services.AddHealthChecks().AddScheduler()</c>).</summary>
    /// <param name="configure">Changes the check's thresholds; <see langword="null"/> keeps the defaults.</param>
    /// <returns>This builder.</returns>
    public SchedulerBuilder AddHealthCheck(Action<SchedulerHealthCheckOptions>? configure = null)
    {
        Services.AddHealthChecks().AddScheduler(configure: configure);
        return this;
    }

    private SchedulerBuilder AddTaskCore(string name, Func<IServiceProvider, JobContext, CancellationToken, Task<object?>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_taskNames.Add(name))
        {
            throw new ArgumentException($"A task named '{name}' was added already.", nameof(name));
        }

        Services.AddSingleton(new TaskRegistration(name, (scheduler, root) =>
        {
            IServiceScopeFactory scopes = root.GetRequiredService<IServiceScopeFactory>();
            scheduler.RegisterTask(name, async (JobContext context, CancellationToken cancellationToken) =>
            {
                AsyncServiceScope scope = scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    return await run(scope.ServiceProvider, context, cancellationToken).ConfigureAwait(false);
                }
            });
        }));
        return this;
    }
}
