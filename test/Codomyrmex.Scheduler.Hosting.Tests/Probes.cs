using System.Collections.Concurrent;

namespace Codomyrmex.Scheduler.Hosting.Tests;

/// <summary>A scoped service that records each instance and whether it was disposed, to see one scope per run.</summary>
internal sealed class ScopedProbe : IDisposable
{
    public ScopedProbe(RunLog log) => log.Probes.Enqueue(this);

    public bool Disposed { get; private set; }

    public bool DisposedDuringRun { get; set; }

    public void Dispose() => Disposed = true;
}

/// <summary>A task class with a scoped dependency.</summary>
internal sealed class ProbeTask(ScopedProbe probe, RunLog log) : IJobTask
{
    public Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        probe.DisposedDuringRun = probe.Disposed;
        log.Add(context.JobName);
        return Task.CompletedTask;
    }
}

/// <summary>A task class with a result.</summary>
internal sealed class AnswerTask : IJobTask<int>
{
    public Task<int> ExecuteAsync(JobContext context, CancellationToken cancellationToken) => Task.FromResult(42);
}

/// <summary>What the tasks of a test did (a singleton in the test's host).</summary>
internal sealed class RunLog
{
    private readonly ConcurrentQueue<string> _runs = new();

    public ConcurrentQueue<ScopedProbe> Probes { get; } = new();

    public IReadOnlyList<string> Runs => [.. _runs];

    public void Add(string run) => _runs.Enqueue(run);
}
