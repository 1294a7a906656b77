using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>A store a command opened, with what it opened for it (a PostgreSQL data source), disposed together, store first.</summary>
internal sealed class OpenStore(IJobStore store, IAsyncDisposable? owned = null) : IAsyncDisposable
{
    /// <summary>Gets the store.</summary>
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
