using Codomyrmex.Scheduler.Hosting.Configuration;
using Codomyrmex.Scheduler.Shared;
using Microsoft.Extensions.Options;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>Lists every problem with the options, the configuration and the declared jobs, so one failed start shows them all.</summary>
internal sealed class SchedulerOptionsValidator(IEnumerable<TaskRegistration> tasks, IEnumerable<StoreProviderRegistration> providers)
    : IValidateOptions<SchedulerHostingOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name != Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>(options.ConfigurationErrors);
        errors.AddRange(options.ToSchedulerOptions().Validate());
        errors.AddRange(options.Retention.Validate().Select(error => "Retention." + error));
        if (options.StoreFactory is null)
        {
            try
            {
                StoreText store = StoreText.Parse(options.Store ?? string.Empty);
                if (store.Kind is StoreKind.Other && SchedulerFactory.FindProvider(providers, store.Scheme) is null)
                {
                    errors.Add($"{Where(options, "Store")}{SchedulerFactory.UnknownStoreMessage(store, providers)}");
                }
                else if (store.Kind is StoreKind.Postgres && SchedulerFactory.FindProvider(providers, store.Scheme) is null)
                {
                    CheckPostgres(options, store, errors);
                }
            }
            catch (ArgumentException exception)
            {
                errors.Add($"{Where(options, "Store")}{exception.Message}");
            }
        }

        var known = new HashSet<string>(tasks.Select(task => task.Name), StringComparer.Ordinal);
        var configured = new HashSet<string>(options.ConfiguredJobs.Select(job => job.Definition.Name), StringComparer.Ordinal);
        foreach (ConfiguredJob job in options.ConfiguredJobs)
        {
            CheckJob(job.Definition, $"{job.Path}:task: ", known, errors);
        }

        foreach (JobDefinition job in options.Jobs.Where(job => !configured.Contains(job.Name)))
        {
            CheckJob(job, $"job '{job.Name}' (declared in code): ", known, errors);
        }

        if (errors.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        // One message, one problem a line, in configuration order (Jobs:2 before Jobs:10): what a failed start should print.
        IEnumerable<string> ordered = errors.OrderBy(error => error.Split(": ", 2)[0], PathComparer.Instance);
        string count = errors.Count == 1 ? "1 problem" : $"{errors.Count} problems";
        return ValidateOptionsResult.Fail($"The scheduler's settings have {count}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", ordered));
    }

    /// <summary>Checks a PostgreSQL store's connection string (given or named) and options, never echoing the connection string.</summary>
    private static void CheckPostgres(SchedulerHostingOptions options, StoreText store, List<string> errors)
    {
        if ((store.Argument ?? options.NamedConnectionString) is not { } connectionString)
        {
            if (!options.ConnectionStringLookedUp)
            {
                // No configuration to read ConnectionStrings from (when there is one, a missing name is reported with it).
                errors.Add($"Store: the store is {store.Scheme} without a connection string; use postgres:CONNECTION-STRING, or UsePostgreSqlStore.");
            }

            return;
        }

        try
        {
            PostgresTarget target = PostgresTarget.Read(connectionString);
            PostgreSql.PostgreSqlJobStoreOptions postgres = options.PostgreSqlOptions ?? new();
            string schema = target.Schema ?? postgres.Schema;
            errors.AddRange(new PostgreSql.PostgreSqlJobStoreOptions { Schema = schema, History = postgres.History, Retention = postgres.Retention }.Validate()
                .Select(error => $"{Where(options, "Store")}{store.Redacted}: {error}"));
        }
        catch (ArgumentException exception)
        {
            errors.Add($"{Where(options, "Store")}{store.Redacted}: {exception.Message}");
        }
    }

    private static void CheckJob(JobDefinition job, string where, HashSet<string> known, List<string> errors)
    {
        if (!known.Contains(job.Task))
        {
            errors.Add($"{where}unknown task '{job.Task}'; " + (known.Count == 0
                ? "no task is added: add it with services.AddScheduler().AddTask<TTask>(\"name\")."
                : $"the tasks are {string.Join(", ", known.Order(StringComparer.Ordinal))}."));
        }
    }

    /// <summary>The configuration path of a setting when the configuration set it; empty when it came from code.</summary>
    private static string Where(SchedulerHostingOptions options, string setting) =>
        options.ConfiguredStore ? $"{SchedulerHostingOptions.SectionName}:{setting}: " : string.Empty;
}
