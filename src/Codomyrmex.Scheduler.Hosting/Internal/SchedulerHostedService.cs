using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>Reconciles the declared jobs and starts the scheduler with the host; stops it gracefully when the host stops.</summary>
internal sealed class SchedulerHostedService(Scheduler scheduler, IOptions<SchedulerHostingOptions> options, ILogger<SchedulerHostedService> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<JobDefinition> declared = options.Value.GetDeclaredJobs();
        ReconcileResult result = await scheduler.ReconcileAsync(SchedulerHostingOptions.JobSource, declared, cancellationToken).ConfigureAwait(false);
        Log.Reconciled(logger, result.Added.Count, result.Updated.Count, result.Removed.Count, result.Unchanged.Count);
        await scheduler.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops firing and waits for running jobs up to the scheduler's shutdown timeout; the host's token, cancelled when the
    /// host's own shutdown timeout ends, cuts the wait short and cancels the jobs' tokens.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => scheduler.StopAsync(cancellationToken);
}
