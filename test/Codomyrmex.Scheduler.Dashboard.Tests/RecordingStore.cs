using System.Collections.Concurrent;
using System.Reflection;

using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Dashboard.Tests;

/// <summary>
/// A real store seen through a proxy that writes down every job query before passing the call on unchanged, so a test can
/// tell how much the dashboard asked the store for.
/// </summary>
public class RecordingStore : DispatchProxy
{
    private IJobStore _inner = null!;

    public ConcurrentQueue<JobQuery> JobQueries { get; } = new();

    /// <summary>Gets the names of the store methods called, in order.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public static (IJobStore Store, RecordingStore Recorder) Wrap(IJobStore inner)
    {
        IJobStore store = Create<IJobStore, RecordingStore>();
        var recorder = (RecordingStore)(object)store;
        recorder._inner = inner;
        return (store, recorder);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        Calls.Enqueue(targetMethod!.Name);
        if (args?.FirstOrDefault() is JobQuery query)
        {
            JobQueries.Enqueue(query);
        }

        try
        {
            return targetMethod!.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
