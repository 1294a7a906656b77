using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>A store provider that <see cref="SchedulerHostingOptions.Store"/> can name, as a DI service (one per provider).</summary>
/// <param name="Name">The name before the colon in the store text (<c>sqlite</c> in <c>sqlite:jobs.db</c>).</param>
/// <param name="Create">Makes the store.</param>
internal sealed record StoreProviderRegistration(string Name, Func<JobStoreProviderContext, IJobStore> Create);
