using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Hosting;
using Codomyrmex.Scheduler.Hosting.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the scheduler's health check to an application's health checks.</summary>
public static class SchedulerHealthChecksBuilderExtensions
{
    /// <summary>Adds a health check of the <see cref="Scheduler"/> that <c>services.AddScheduler()</c> registered.</summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">What a stopped dispatcher or an unreachable store reports; <see langword="null"/> for Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    /// <param name="configure">Changes the check's thresholds.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The configured <see cref="SchedulerHealthCheckOptions.FailedRunsThreshold"/> is less than 1.</exception>
    /// <remarks>
    /// Unhealthy (or <paramref name="failureStatus"/>) when the scheduler is not running, when its dispatcher cannot claim
    /// due runs (<see cref="Scheduler.LastDispatchError"/>), or when a call to its store throws; Degraded when some jobs' last <see cref="SchedulerHealthCheckOptions.FailedRunsThreshold"/> runs all failed
    /// (their names are in the message, their last errors in the result's data); Healthy otherwise. The data also holds the
    /// number of live nodes of the store (<c>nodes</c>) and this scheduler's instance id (<c>instance_id</c>).
    /// </remarks>
    public static IHealthChecksBuilder AddScheduler(this IHealthChecksBuilder builder, string name = "scheduler", HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null, Action<SchedulerHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        var options = new SchedulerHealthCheckOptions();
        configure?.Invoke(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FailedRunsThreshold, 1, "FailedRunsThreshold");
        return builder.Add(new HealthCheckRegistration(name, services => new SchedulerHealthCheck(services.GetRequiredService<Scheduler>(), options),
            failureStatus, tags));
    }
}
