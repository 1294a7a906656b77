using Codomyrmex.Scheduler.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>Applies the <c>Scheduler</c> configuration section to the options, after the code's settings, so configuration wins.</summary>
internal sealed class SchedulerConfiguration(IConfiguration? configuration = null) : IPostConfigureOptions<SchedulerHostingOptions>
{
    private static readonly string[] Settings = ["MaxWorkers", "TimeZone", "ShutdownTimeout", "LeaseDuration", "NodeName", "Store", "ConnectionStringName", "Retention", "Jobs"];

    private static readonly string[] RetentionSettings = ["FinishedJobs", "Runs", "BatchSize"];

    public void PostConfigure(string? name, SchedulerHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (configuration is null || name != Options.DefaultName)
        {
            return;
        }

        IConfigurationSection section = configuration.GetSection(SchedulerHostingOptions.SectionName);
        var reader = new ConfigurationReader(options.ConfigurationErrors);
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            switch (setting.Key.ToUpperInvariant())
            {
                case "MAXWORKERS":
                    options.MaxWorkers = reader.Integer(setting, 1, SchedulerOptions.MaxWorkersLimit) ?? options.MaxWorkers;
                    break;
                case "TIMEZONE":
                    options.TimeZone = reader.Zone(setting) ?? options.TimeZone;
                    break;
                case "SHUTDOWNTIMEOUT":
                    options.ShutdownTimeout = reader.Duration(setting, allowZero: true) ?? options.ShutdownTimeout;
                    break;
                case "LEASEDURATION":
                    options.LeaseDuration = reader.Duration(setting, allowZero: false, SchedulerOptions.MinimumLeaseDuration) ?? options.LeaseDuration;
                    break;
                case "NODENAME":
                    options.NodeName = reader.Text(setting) ?? options.NodeName;
                    break;
                case "STORE":
                    if (reader.Text(setting) is { } store)
                    {
                        options.Store = store;
                        options.StoreFactory = null;
                        options.ConfiguredStore = true;
                    }

                    break;
                case "CONNECTIONSTRINGNAME":
                    options.ConnectionStringName = reader.Text(setting) ?? options.ConnectionStringName;
                    break;
                case "RETENTION":
                    options.Retention = ReadRetention(setting, reader, options.Retention);
                    break;
                case "JOBS":
                    JobsReader.Read(setting, reader, options.ConfiguredJobs);
                    break;
                default:
                    reader.Unknown(setting, "setting", Settings);
                    break;
            }
        }

        ReadConnectionString(options);
    }

    /// <summary>
    /// For a <c>postgres</c> store without a connection string of its own, reads the one <see cref="SchedulerHostingOptions.ConnectionStringName"/>
    /// names from <c>ConnectionStrings</c>; a missing one is an error naming where it was looked for.
    /// </summary>
    private void ReadConnectionString(SchedulerHostingOptions options)
    {
        StoreText store;
        try
        {
            store = StoreText.Parse(options.Store ?? string.Empty);
        }
        catch (ArgumentException)
        {
            return; // The validator reports it.
        }

        if (store.Kind != StoreKind.Postgres || store.Argument is not null || options.StoreFactory is not null)
        {
            return;
        }

        string name = options.ConnectionStringName ?? SchedulerHostingOptions.DefaultConnectionStringName;
        options.NamedConnectionString = configuration?.GetConnectionString(name);
        options.ConnectionStringLookedUp = true;
        if (string.IsNullOrWhiteSpace(options.NamedConnectionString))
        {
            options.NamedConnectionString = null;
            string where = options.ConfiguredStore ? SchedulerHostingOptions.SectionName + ":Store: " : "Store: ";
            options.ConfigurationErrors.Add($"{where}the store is {store.Scheme}, but the connection string " +
                $"ConnectionStrings:{name} is not set; set it, or set {SchedulerHostingOptions.SectionName}:ConnectionStringName to the name of yours.");
        }
    }

    /// <summary>Reads <c>Scheduler:Retention</c>: ages as durations (<c>7d</c>) or <c>forever</c>, and the batch size.</summary>
    private static JobRetentionOptions ReadRetention(IConfigurationSection section, ConfigurationReader reader, JobRetentionOptions retention)
    {
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            switch (setting.Key.ToUpperInvariant())
            {
                case "FINISHEDJOBS":
                    retention = TryAge(setting, reader, out TimeSpan? jobs) ? retention with { FinishedJobs = jobs } : retention;
                    break;
                case "RUNS":
                    retention = TryAge(setting, reader, out TimeSpan? runs) ? retention with { Runs = runs } : retention;
                    break;
                case "BATCHSIZE":
                    retention = reader.Integer(setting, 1) is { } size ? retention with { BatchSize = size } : retention;
                    break;
                default:
                    reader.Unknown(setting, "retention setting", RetentionSettings);
                    break;
            }
        }

        return retention;
    }

    /// <summary>Reads an age: a positive duration, or <c>forever</c> (<see langword="null"/>: no age limit); false when the value is bad (reported).</summary>
    private static bool TryAge(IConfigurationSection setting, ConfigurationReader reader, out TimeSpan? age)
    {
        if (setting.Value is { } text && text.Trim().Equals("forever", StringComparison.OrdinalIgnoreCase))
        {
            age = null;
            return true;
        }

        age = reader.Duration(setting, allowZero: false);
        return age is not null;
    }
}
