using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>Applies the <c>Scheduler</c> configuration section to the options, after the code's settings, so configuration wins.</summary>
internal sealed class SchedulerConfiguration(IConfiguration? configuration = null) : IPostConfigureOptions<SchedulerHostingOptions>
{
    private static readonly string[] Settings = ["MaxWorkers", "TimeZone", "ShutdownTimeout", "LeaseDuration", "NodeName", "Store", "Jobs"];

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
                    options.MaxWorkers = reader.Integer(setting, 1) ?? options.MaxWorkers;
                    break;
                case "TIMEZONE":
                    options.TimeZone = reader.Zone(setting) ?? options.TimeZone;
                    break;
                case "SHUTDOWNTIMEOUT":
                    options.ShutdownTimeout = reader.Duration(setting, allowZero: true) ?? options.ShutdownTimeout;
                    break;
                case "LEASEDURATION":
                    options.LeaseDuration = reader.Duration(setting, allowZero: false) ?? options.LeaseDuration;
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
                case "JOBS":
                    JobsReader.Read(setting, reader, options.ConfiguredJobs);
                    break;
                default:
                    reader.Unknown(setting, "setting", Settings);
                    break;
            }
        }
    }
}
