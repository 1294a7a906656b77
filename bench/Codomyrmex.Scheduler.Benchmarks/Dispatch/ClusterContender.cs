namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// Several nodes of one library on one PostgreSQL database, in this process, raced on the cluster scenario's work: one-shot
/// no-op jobs, all due when the nodes start, whose bodies call <see cref="FireRecorder.Fire"/>.
/// </summary>
internal abstract class ClusterContender : IAsyncDisposable
{
    /// <summary>Gets the row label.</summary>
    public abstract string Name { get; }

    /// <summary>Creates the database or schema and the nodes, not started.</summary>
    public abstract Task SetUpAsync();

    /// <summary>Schedules <paramref name="count"/> no-op one-shot jobs due at <paramref name="due"/> through the first node, eight calls at a time.</summary>
    public abstract Task ScheduleAsync(int count, DateTimeOffset due);

    /// <summary>Starts every node.</summary>
    public abstract void StartAll();

    public abstract ValueTask DisposeAsync();

    /// <summary>Runs <paramref name="call"/> for 0 to <paramref name="count"/> - 1 on eight tasks.</summary>
    protected static Task EightAtATimeAsync(int count, Func<int, Task> call)
    {
        int next = -1;
        async Task WorkAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await call(i).ConfigureAwait(false);
            }
        }

        return Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(WorkAsync)));
    }
}
