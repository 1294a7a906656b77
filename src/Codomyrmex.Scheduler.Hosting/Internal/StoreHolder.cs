using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>
/// Owns the store the host made, and what it made for it (a PostgreSQL data source), so that DI disposes them after the
/// scheduler (which was resolved after them), the store first.
/// </summary>
internal sealed class StoreHolder(IJobStore store, IAsyncDisposable? owned = null) : IAsyncDisposable
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

        if (owned is not null)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }
    }
}
