using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Hosting;
using Codomyrmex.Scheduler.Hosting.Configuration;
using Codomyrmex.Scheduler.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Codomyrmex.Scheduler to an application's services.</summary>
public static class SchedulerServiceCollectionExtensions
{
    /// <summary>Adds a <see cref="Scheduler"/> that starts and stops with the host, and returns a builder for its tasks, jobs and store.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the options in code; the <c>Scheduler</c> configuration section, where it sets a value, wins.</param>
    /// <returns>A builder to add tasks (<c>AddTask&lt;TTask&gt;("name")</c>), declared jobs, a store and a health check.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <remarks>
    /// <para>
    /// Registers the <see cref="Scheduler"/> as a singleton, built with the <see cref="TimeProvider"/>, <c>ILoggerFactory</c>
    /// and <c>IMeterFactory</c> of the container (<see cref="TimeProvider.System"/>, registered here, unless another
    /// <see cref="TimeProvider"/> is), and a
    /// hosted service that, when the host starts, reconciles the declared jobs (<c>Scheduler:Jobs</c> and
    /// <see cref="SchedulerBuilder.AddJob"/>) by name and starts the scheduler; when the host stops, it stops firing and
    /// waits for running jobs up to the shutdown timeout, then cancels their tokens.
    /// </para>
    /// <para>
    /// The options are validated when the host starts: a bad setting, an unknown task, a bad cron expression or duration, an
    /// unknown zone or field fails the start with one <see cref="OptionsValidationException"/> that lists every problem with
    /// its configuration path. Calling this again adds to the same scheduler.
    /// </para>
    /// </remarks>
    public static SchedulerBuilder AddScheduler(this IServiceCollection services, Action<SchedulerHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        SchedulerMarker? marker = services.FirstOrDefault(service => service.ServiceType == typeof(SchedulerMarker))?.ImplementationInstance as SchedulerMarker;
        if (marker is null)
        {
            marker = new SchedulerMarker();
            services.AddSingleton(marker);

            // The scheduler's clock, which tasks may take too; a TimeProvider registered before or after (a FakeTimeProvider in tests) wins.
            services.TryAddSingleton(TimeProvider.System);
            services.AddOptions<SchedulerHostingOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<SchedulerHostingOptions>, SchedulerConfiguration>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulerHostingOptions>, SchedulerOptionsValidator>());
            services.TryAddSingleton(SchedulerFactory.CreateStore);
            services.TryAddSingleton(SchedulerFactory.Create);
            services.AddHostedService<SchedulerHostedService>();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new SchedulerBuilder(services, marker.TaskNames);
    }
}
