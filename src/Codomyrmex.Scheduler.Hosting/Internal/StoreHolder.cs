using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>Owns the store the host made, so that DI disposes it after the scheduler (which was resolved after it).</summary>
internal sealed class StoreHolder(IJobStore store) : IAsyncDisposable
{
    public IJobStore Store { get; } = store;

    public async ValueTask DisposeAsync()
    {
        switch (Store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
