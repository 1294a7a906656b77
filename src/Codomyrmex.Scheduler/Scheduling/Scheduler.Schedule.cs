using System.Diagnostics.CodeAnalysis;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler;

#pragma warning disable RS0026 // Named optional arguments: one overload per delegate shape, each with the same optional parameters.

public sealed partial class Scheduler
{
    /// <summary>Schedules a job without blocking on the store.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies; <see langword="null"/> for <see cref="JobOptions.Default"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id: unique and URL-safe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">
    /// The trigger can never fire (for example <c>0 0 30 2 *</c>), the options are not valid, or the store is durable and
    /// cannot keep a delegate.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public ValueTask<string> ScheduleAsync(Action func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        ScheduleCoreAsync(func, func, name, trigger, args, kwargs, maxRuns, options, cancellationToken);

    /// <summary>Schedules a job whose result becomes <see cref="Job.Result"/>.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public ValueTask<string> ScheduleAsync(Func<object?> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        ScheduleCoreAsync(func, func, name, trigger, args, kwargs, maxRuns, options, cancellationToken);

    /// <summary>Schedules an asynchronous job.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public ValueTask<string> ScheduleAsync(Func<Task> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        ScheduleCoreAsync(func, func, name, trigger, args, kwargs, maxRuns, options, cancellationToken);

    /// <summary>Schedules an asynchronous job that observes cancellation (job cancelled, timeout, shutdown).</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public ValueTask<string> ScheduleAsync(Func<CancellationToken, Task> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        ScheduleCoreAsync(func, func, name, trigger, args, kwargs, maxRuns, options, cancellationToken);

    /// <summary>Schedules an asynchronous job that reads its <see cref="JobContext"/> and returns a result.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public ValueTask<string> ScheduleAsync(Func<JobContext, CancellationToken, Task<object?>> func, string? name = null, Trigger? trigger = null,
        IEnumerable<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        ScheduleCoreAsync(func, func, name, trigger, args, kwargs, maxRuns, options, cancellationToken);

    /// <summary>Schedules an asynchronous job with a typed result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public ValueTask<string> ScheduleAsync<T>(Func<CancellationToken, Task<T>> func, string? name = null, Trigger? trigger = null,
        IEnumerable<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(func);
        return ScheduleCoreAsync(func, new Func<JobContext, CancellationToken, Task<object?>>(async (_, token) => await func(token).ConfigureAwait(false)),
            name, trigger, args, kwargs, maxRuns, options, cancellationToken);
    }

    /// <summary>Schedules a job whose typed result becomes <see cref="Job.Result"/>; lets a method group such as <c>ComputeTotal</c> be passed directly.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public ValueTask<string> ScheduleAsync<T>(Func<T> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(func);
        return ScheduleCoreAsync(func, new Func<object?>(() => func()), name, trigger, args, kwargs, maxRuns, options, cancellationToken);
    }

    private ValueTask<string> ScheduleCoreAsync(Delegate func, Delegate invoke, string? name, Trigger? trigger, IEnumerable<object?>? args,
        IReadOnlyDictionary<string, object?>? kwargs, int? maxRuns, JobOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(func);
        ThrowIfDisposed();
        if (name is { } given && string.IsNullOrWhiteSpace(given))
        {
            throw new ArgumentException("The job name is empty; leave it null to use the method's name.", nameof(name));
        }

        if (_store.IsDurable)
        {
            throw new ArgumentException(
                $"The store {_store.GetType().Name} is durable and cannot keep a delegate across restarts: register the delegate as a task with " +
                "scheduler.RegisterTask(\"name\", handler) and schedule it by name with scheduler.Schedule(task: \"name\", trigger, ...).", nameof(func));
        }

        name ??= DefaultName(func);
        DateTimeOffset now = StoreNow;
        object?[]? positional = args?.ToArray();
        Dictionary<string, object?>? keyword = kwargs is null || kwargs.Count == 0 ? null : new Dictionary<string, object?>(kwargs);
        if (_store is InMemoryJobStore memory)
        {
            // The in-memory store takes the job's parts: no Job record is built (a schedule call's largest allocation), and the
            // store draws the id, so a collision needs no second call.
            DateTimeOffset first = CheckNewJob(name, trigger, maxRuns, ref options, now, out Trigger? bound);
            string id = memory.AddNew(name, invoke, positional, keyword, bound, now, first, maxRuns, options);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                Log.JobScheduled(_logger, name, id, bound?.ToString() ?? "run once", first);
            }

            return new(id);
        }

        // Built once, not copied with `with`.
        Job job = NewJob(name, trigger, maxRuns, options, now, invoke, positional, keyword);
        return AddJobAsync(job, trigger, cancellationToken);
    }

    /// <summary>Checks a new job's name, limit and options and binds its trigger now; the options become the default when null.</summary>
    /// <returns>The job's first run: now for a job without a trigger.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The name is empty, the options are not valid, or the trigger never fires.</exception>
    private DateTimeOffset CheckNewJob(string name, Trigger? trigger, int? maxRuns, [NotNull] ref JobOptions? options, DateTimeOffset now, out Trigger? bound)
    {
        if (maxRuns is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRuns), maxRuns, "maxRuns must be at least 1, or null for no limit.");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("The job name is empty; leave it null for the default name.", nameof(name));
        }

        options ??= JobOptions.Default;
        if (!ReferenceEquals(options, JobOptions.Default) && options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("The job options are not valid: " + string.Join(" ", problems), nameof(options));
        }

        bound = Bind(trigger, now);
        return (bound is null ? now : bound.GetFirstRun(now))
            ?? throw new ArgumentException($"The trigger '{trigger}' never fires after {now:O}, so the job would never run.", nameof(trigger));
    }

    /// <summary>
    /// The default name: the function's name. A local function's compiler name (<c>&lt;Main&gt;g__Cleanup|0_1</c>)
    /// gives its own name back; lambdas are named as Python names them.
    /// </summary>
    private static string DefaultName(Delegate func)
    {
        string method = func.Method.Name;
        if (!method.Contains('<', StringComparison.Ordinal))
        {
            return method;
        }

        int local = method.IndexOf(">g__", StringComparison.Ordinal);
        int end = local < 0 ? -1 : method.IndexOf('|', local);
        return end > local + 4 ? method[(local + 4)..end] : "<lambda>";
    }
}
