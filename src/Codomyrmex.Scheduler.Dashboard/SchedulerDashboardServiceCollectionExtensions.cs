using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the services the scheduler dashboard needs.</summary>
public static class SchedulerDashboardServiceCollectionExtensions
{
    /// <summary>Adds the services <see cref="SchedulerDashboardEndpointRouteBuilderExtensions.MapSchedulerDashboard"/> needs (antiforgery, for its forms).</summary>
    /// <param name="services">The application's services.</param>
    /// <returns>The same services, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddSchedulerDashboard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddAntiforgery();
        return services;
    }
}
