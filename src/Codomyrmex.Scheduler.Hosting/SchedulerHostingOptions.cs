using Codomyrmex.Scheduler.Hosting.Configuration;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Hosting;

/// <summary>How <c>services.AddScheduler()</c> builds the host's <see cref="Scheduler"/>: workers, zone, shutdown, store and declared jobs.</summary>
/// <remarks>
/// <para>
/// The options come from code (<c>AddScheduler(options =&gt; ...)</c> and the builder's methods) and from the
/// <c>Scheduler</c> configuration section. Code gives the defaults; a value the configuration sets wins, so that an
/// environment can change the store or the worker count without a rebuild.
/// </para>
/// <para>
/// They are validated when the host starts (<c>ValidateOnStart</c>): one <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>
/// lists every problem, each configuration problem with its path (<c>Scheduler:Jobs:2:schedule: ...</c>).
/// The clock, the logger factory and the meter factory are not options: they come from dependency injection
/// (<see cref="System.TimeProvider"/> if one is registered, else <see cref="TimeProvider.System"/>).
/// </para>
/// </remarks>
public sealed class SchedulerHostingOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "Scheduler";

    /// <summary>The <see cref="Job.Source"/> of jobs declared in code and configuration, which the host reconciles at start.</summary>
    public const string JobSource = "configuration";

    /// <summary>Gets or sets how many job bodies may run at once.</summary>
    /// <value>The default is 4; it must be from 1 to <see cref="SchedulerOptions.MaxWorkersLimit"/> (10,000).</value>
    public int MaxWorkers { get; set; } = 4;

    /// <summary>Gets or sets the zone for cron triggers without a zone of their own (configuration: a zone id such as <c>Europe/Berlin</c>).</summary>
    /// <value>The default is <see langword="null"/>: the clock's local zone.</value>
    public TimeZoneInfo? TimeZone { get; set; }

    /// <summary>Gets or sets how long stopping waits for running jobs before it cancels their tokens (configuration: <c>30s</c>, <c>00:00:30</c>).</summary>
    /// <value>The default is 30 seconds.</value>
    /// <remarks>
    /// The host's own shutdown timeout (<c>HostOptions.ShutdownTimeout</c>) bounds the wait too: when the host stops waiting,
    /// running jobs are cancelled at once. Whichever ends first wins.
    /// </remarks>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long a claimed run is held before another node may take it over.</summary>
    /// <value>
    /// The default is 5 minutes, and <see cref="PostgreSql.PostgreSqlJobStore.RecommendedLeaseDuration"/> (3 seconds) for a
    /// scheduler on the PostgreSQL store, where several nodes fail over to each other; it must be at least
    /// <see cref="SchedulerOptions.MinimumLeaseDuration"/> (1 second).
    /// </value>
    public TimeSpan LeaseDuration
    {
        get => _leaseDuration;
        set
        {
            _leaseDuration = value;
            LeaseDurationSet = true;
        }
    }

    private TimeSpan _leaseDuration = TimeSpan.FromMinutes(5);

    /// <summary>Whether code or configuration set <see cref="LeaseDuration"/> (else a PostgreSQL store gets its shorter default).</summary>
    internal bool LeaseDurationSet { get; private set; }

    /// <summary>Gets or sets this scheduler's name in a cluster and in run history.</summary>
    /// <value>The default is <see langword="null"/>: the machine name and process id.</value>
    public string? NodeName { get; set; }

    /// <summary>Gets or sets how long the store keeps finished jobs and run history (configuration: <c>Scheduler:Retention:FinishedJobs</c>, <c>Runs</c>, <c>BatchSize</c>).</summary>
    /// <value>The default is <see cref="JobRetentionOptions.Default"/>: finished jobs for 7 days, history without an age limit.</value>
    /// <remarks>
    /// It applies to the stores the host makes from <see cref="Store"/>; a store from <see cref="StoreFactory"/> or a provider
    /// has its own. In configuration a duration such as <c>7d</c> or <c>12h</c>, or <c>forever</c> to keep without an age limit.
    /// </remarks>
    public JobRetentionOptions Retention { get; set; } = JobRetentionOptions.Default;

    /// <summary>
    /// Gets or sets the store, as text: <c>memory</c>, a SQLite file (<c>sqlite:jobs.db</c>, or a bare path), a PostgreSQL
    /// database (<c>postgres</c> with <see cref="ConnectionStringName"/>, or <c>postgres:CONNECTION-STRING</c>), or a provider's
    /// name and argument.
    /// </summary>
    /// <value>The default is <c>memory</c>.</value>
    /// <remarks>
    /// The text is read as schedctl reads <c>--store</c>: <c>memory</c>; <c>sqlite</c> alone keeps <c>scheduler.db</c> in the
    /// content root, <c>sqlite:PATH</c> or a bare PATH (<c>data/jobs.db</c>) the file at PATH (relative to the content root).
    /// <c>postgres</c> alone reads the connection string named by <see cref="ConnectionStringName"/> from the
    /// <c>ConnectionStrings</c> configuration section; <c>postgres:CONNECTION-STRING</c> gives it here. A connection string may
    /// add <c>Schema=NAME</c> (not an Npgsql key: it is taken out) for the schema of the store's tables. Every host whose store
    /// names one database and schema is a node of one cluster. Any other <c>NAME:ARGUMENT</c> names a provider added with
    /// <see cref="SchedulerBuilder.AddStoreProvider"/>, which receives the argument; a provider added for <c>sqlite</c> or
    /// <c>postgres</c> replaces the built-in one. <see cref="StoreFactory"/>, when set, wins over this.
    /// </remarks>
    public string Store { get; set; } = "memory";

    /// <summary>Gets or sets the name of the connection string (configuration: <c>ConnectionStrings:NAME</c>) of a <c>postgres</c> store.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="DefaultConnectionStringName"/>.</value>
    /// <remarks>It is read when <see cref="Store"/> is <c>postgres</c> without a connection string of its own.</remarks>
    public string? ConnectionStringName { get; set; }

    /// <summary>The connection string a <c>postgres</c> store reads when <see cref="ConnectionStringName"/> is not set: <c>Scheduler</c>.</summary>
    public const string DefaultConnectionStringName = "Scheduler";

    /// <summary>Gets or sets a factory for the store, used instead of <see cref="Store"/> when it is set.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    /// <remarks>The host disposes the store it made this way when it disposes the scheduler.</remarks>
    public Func<IServiceProvider, IJobStore>? StoreFactory { get; set; }

    /// <summary>Gets the jobs declared in code, reconciled at start with those of the <c>Scheduler:Jobs</c> configuration section.</summary>
    /// <remarks>A configured job with the same name replaces the one declared in code.</remarks>
    public IList<JobDefinition> Jobs { get; } = [];

    /// <summary>The jobs read from configuration, each with its configuration path.</summary>
    internal List<ConfiguredJob> ConfiguredJobs { get; } = [];

    /// <summary>The connection string of a <c>postgres</c> store read from <c>ConnectionStrings</c>, when <see cref="Store"/> gives none.</summary>
    internal string? NamedConnectionString { get; set; }

    /// <summary>Whether configuration was searched for <see cref="NamedConnectionString"/> (and reported it missing).</summary>
    internal bool ConnectionStringLookedUp { get; set; }

    /// <summary>The PostgreSQL store's options from <see cref="SchedulerBuilder.UsePostgreSqlStore(string, PostgreSql.PostgreSqlJobStoreOptions?)"/>.</summary>
    internal PostgreSql.PostgreSqlJobStoreOptions? PostgreSqlOptions { get; set; }

    /// <summary>Whether <see cref="Store"/> came from configuration (so an error about it names its path).</summary>
    internal bool ConfiguredStore { get; set; }

    /// <summary>What was wrong in the configuration section, each message starting with its path.</summary>
    internal List<string> ConfigurationErrors { get; } = [];

    /// <summary>The jobs to reconcile: those declared in code, with configured ones replacing code ones of the same name.</summary>
    internal IReadOnlyList<JobDefinition> GetDeclaredJobs()
    {
        var configured = new HashSet<string>(ConfiguredJobs.Select(job => job.Definition.Name), StringComparer.Ordinal);
        return [.. Jobs.Where(job => !configured.Contains(job.Name)), .. ConfiguredJobs.Select(job => job.Definition)];
    }

    /// <summary>The scheduler's options with this host's values.</summary>
    internal SchedulerOptions ToSchedulerOptions() => new()
    {
        MaxWorkers = MaxWorkers,
        TimeZone = TimeZone,
        ShutdownTimeout = ShutdownTimeout,
        LeaseDuration = LeaseDuration,
        NodeName = NodeName,
    };
}
