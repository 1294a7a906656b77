using System.Collections.Concurrent;
using System.Reflection;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

public abstract partial class JobStoreContractTests
{
    /// <summary>
    /// A real store seen through a proxy that writes down every call (and its job query) before passing it on unchanged, so a
    /// test can tell what the scheduler asked the store for: a query by source, one batch add, one count.
    /// </summary>
    public class RecordingStore : DispatchProxy
    {
        private IJobStore _inner = null!;

        /// <summary>Gets the store methods called, in order, with the job query of a list.</summary>
        public ConcurrentQueue<(string Method, JobQuery? Query)> Calls { get; } = new();

        public static (IJobStore Store, RecordingStore Recorder) Wrap(IJobStore inner)
        {
            IJobStore store = Create<IJobStore, RecordingStore>();
            var recorder = (RecordingStore)(object)store;
            recorder._inner = inner;
            return (store, recorder);
        }

        /// <summary>Gets the calls of one store method.</summary>
        public (string Method, JobQuery? Query)[] Of(string method) => [.. Calls.Where(call => call.Method == method)];

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            Calls.Enqueue((targetMethod!.Name, args?.FirstOrDefault() as JobQuery?));
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }
    }
}
