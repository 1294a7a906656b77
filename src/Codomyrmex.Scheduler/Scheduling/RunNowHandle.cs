using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

/// <summary>The handle of a RunNow run: its token is linked to its caller's, and the caller's cancellation is told apart from the scheduler's.</summary>
/// <remarks>A type of its own so that the scheduled runs, nearly all runs, carry no field for a caller's token.</remarks>
internal sealed class RunNowHandle : RunHandle
{
    private readonly CancellationToken _external;

    /// <summary>Creates the handle of a RunNow run.</summary>
    /// <param name="run">The claimed run.</param>
    /// <param name="claimedAt">This node's time just before it asked the store for the run.</param>
    /// <param name="external">The caller's token.</param>
    public RunNowHandle(ClaimedRun run, DateTimeOffset claimedAt, CancellationToken external)
        : base(run, claimedAt, external)
    {
        _external = external;
    }

    /// <inheritdoc/>
    protected override CancellationToken External => _external;
}
